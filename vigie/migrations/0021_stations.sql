-- Fire stations and their resources. Replaced whole by `python -m vigie stations import`;
-- meta key stations_demo = 1 while the demonstration list is in use.
CREATE TABLE stations (
    station_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sector_id TEXT NOT NULL REFERENCES sectors(code),
    groupement TEXT NOT NULL,
    authority TEXT NOT NULL,
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    vsav INTEGER NOT NULL CHECK (vsav >= 0),
    fpt INTEGER NOT NULL CHECK (fpt >= 0),
    ccf INTEGER NOT NULL CHECK (ccf >= 0),
    crew INTEGER NOT NULL CHECK (crew >= 0),
    min_vsav INTEGER NOT NULL CHECK (min_vsav BETWEEN 0 AND vsav),
    min_fpt INTEGER NOT NULL CHECK (min_fpt BETWEEN 0 AND fpt),
    min_ccf INTEGER NOT NULL CHECK (min_ccf BETWEEN 0 AND ccf)
);
