"""What the calendar says about a day: known events, their import, public and school holidays."""
