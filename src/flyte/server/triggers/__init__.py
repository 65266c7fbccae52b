"""The server's trigger clock: runs deployed tasks on their triggers' schedules."""
