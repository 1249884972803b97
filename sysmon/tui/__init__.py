"""``sysmon top``: the terminal UI (model.py pure, view.py curses, app.py the loop)."""
