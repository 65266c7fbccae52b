"""Ready-made task plugins.

- :class:`Sleep`: an environment whose tasks wait for their ``duration`` input (a ``timedelta``)
  before their body runs, without holding a worker slot's CPU; the body usually does nothing.
"""

from flyte.extras._sleep import Sleep, SleepTask

__all__ = ["Sleep", "SleepTask"]
