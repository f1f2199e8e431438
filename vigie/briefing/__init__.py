"""The point de situation: the one-page report that gathers the situation, the lists, the forecast and the exercise."""
