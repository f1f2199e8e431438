"""The Flask side of Vigie: login and guard, security headers, health, the /api/v1 blueprint."""
