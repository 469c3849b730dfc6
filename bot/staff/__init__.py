"""Registered staff: who may talk to the assistant, through which channel accounts."""
