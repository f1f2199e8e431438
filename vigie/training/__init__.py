"""Exercises: the exercise clock, the built-in scenarios, control, injections and timeline."""
