"""Where tasks run: images, and the executors that honour them."""
