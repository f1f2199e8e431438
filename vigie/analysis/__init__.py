"""What the counts say: the situation at a slot, zone queries, exports and the situation report."""
