"""childsafe: child online protection for online services (ITU/UNICEF COP Guidelines in software)."""

__version__ = "0.1.0"
