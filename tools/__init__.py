"""Tested modules the nox sessions run; noxfile.py only wires them to sessions."""
