"""Component ids shared by layouts and callbacks (kebab-case, page prefix)."""

# shell
URL = "shell-url"
CLOCK = "shell-clock"
CLOCK_TICK = "shell-clock-tick"
REFRESH = "shell-refresh"
FRESHNESS = "shell-freshness"
LOST_BANNER = "shell-connection-lost"
EXERCISE_BANNER = "shell-exercise-banner"
ALERT = "shell-alert"

# situation
SIT_MAP = "situation-map"
SIT_GEOJSON = "situation-geojson"
SIT_INDICATOR = "situation-indicator"
SIT_LEGEND = "situation-legend"
SIT_CARD = "situation-sector-card"
SIT_KPIS = "situation-kpis"
SIT_MOVERS = "situation-movers"
SIT_EVENTS = "situation-events"
SIT_DATA_TIME = "situation-data-time"
SIT_ERROR = "situation-error"

# sector page
SEC_CODE = "sector-code"
SEC_TITLE = "sector-title"
SEC_RANGE = "sector-range"
SEC_SERIES = "sector-series"
SEC_SEGMENTS = "sector-segments"
SEC_ENTRIES = "sector-entries"
SEC_FACTS = "sector-facts"
SEC_ERROR = "sector-error"
