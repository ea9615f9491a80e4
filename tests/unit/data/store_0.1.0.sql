-- A store as CineStream 0.1.0 wrote it (schema without recorded versions, progress column added
-- by its start-up check), with one city's data: the migration test opens it with today's binary.
CREATE TABLE locations (
  id TEXT PRIMARY KEY,
  name_en TEXT NOT NULL, name_ua TEXT NOT NULL, name_ru TEXT NOT NULL,
  country_en TEXT NOT NULL, country_ua TEXT NOT NULL, country_ru TEXT NOT NULL,
  country_code TEXT NOT NULL,
  lat REAL NOT NULL, lon REAL NOT NULL, tz TEXT NOT NULL,
  population INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'stale',
  last_updated INTEGER,
  lock_owner TEXT NOT NULL DEFAULT '',
  lock_expires INTEGER,
  lock_source TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  data_version INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE movies (
  id INTEGER PRIMARY KEY,
  city_id TEXT NOT NULL REFERENCES locations(id),
  title_key TEXT NOT NULL,
  title_en TEXT NOT NULL DEFAULT '', title_local TEXT NOT NULL DEFAULT '',
  title_ua TEXT NOT NULL DEFAULT '', title_ru TEXT NOT NULL DEFAULT '',
  description_en TEXT NOT NULL DEFAULT '', description_ua TEXT NOT NULL DEFAULT '',
  description_ru TEXT NOT NULL DEFAULT '',
  image_url TEXT NOT NULL DEFAULT '', image_path TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  UNIQUE (city_id, title_key)
);
CREATE TABLE theaters (
  id INTEGER PRIMARY KEY,
  city_id TEXT NOT NULL REFERENCES locations(id),
  name_key TEXT NOT NULL,
  address_key TEXT NOT NULL,
  name TEXT NOT NULL, address TEXT NOT NULL DEFAULT '', website TEXT NOT NULL DEFAULT '',
  UNIQUE (city_id, name_key, address_key)
);
CREATE TABLE showtimes (
  id INTEGER PRIMARY KEY,
  city_id TEXT NOT NULL,
  movie_id INTEGER NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
  theater_id INTEGER NOT NULL REFERENCES theaters(id) ON DELETE CASCADE,
  start_utc INTEGER NOT NULL,
  format TEXT NOT NULL DEFAULT '', language TEXT NOT NULL DEFAULT '', hall TEXT NOT NULL DEFAULT '',
  UNIQUE (movie_id, theater_id, start_utc, format, language)
);
CREATE INDEX showtimes_by_city_start ON showtimes (city_id, start_utc);
CREATE TABLE stats (key TEXT PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0);
CREATE TABLE coverage (
  city_id TEXT NOT NULL, day TEXT NOT NULL, scraped_at INTEGER NOT NULL,
  PRIMARY KEY (city_id, day)
);
CREATE TABLE budget (
  day TEXT PRIMARY KEY, grounded_calls INTEGER NOT NULL DEFAULT 0,
  micro_usd INTEGER NOT NULL DEFAULT 0
);
INSERT INTO locations VALUES ('kyiv', 'Kyiv', 'Київ', 'Киев', 'Ukraine', 'Україна', 'Украина',
  'UA', 50.4501, 30.5234, 'Europe/Kyiv', 2952301, 'fresh', 1795500000, '', NULL, '', '', 7);
INSERT INTO locations VALUES ('lviv', 'Lviv', 'Львів', 'Львов', 'Ukraine', 'Україна', 'Украина',
  'UA', 49.8397, 24.0297, 'Europe/Kyiv', 717273, 'stale', NULL, '', NULL, '', '', 0);
INSERT INTO movies VALUES (1, 'kyiv', 'dune part two', 'Dune: Part Two', '', 'Дюна: Частина друга',
  'Дюна: Часть вторая', 'Paul joins the Fremen.', 'Пол приєднується до фріменів.', '', '', '',
  1795400000, 1795500000);
INSERT INTO movies VALUES (2, 'kyiv', 'shadows of forgotten ancestors', '',
  'Тіні забутих предків', 'Тіні забутих предків', '', '', '', '', '', '', 1795400000, 1795500000);
INSERT INTO theaters VALUES (1, 'kyiv', 'multiplex lavina', 'berkovetska 6d', 'Multiplex Lavina',
  'Berkovetska St, 6D', 'https://multiplex.ua');
INSERT INTO theaters VALUES (2, 'kyiv', 'zhovten', '', 'Жовтень', '', '');
INSERT INTO showtimes VALUES (1, 'kyiv', 1, 1, 1795600800, 'IMAX', 'uk', '5');
INSERT INTO showtimes VALUES (2, 'kyiv', 1, 1, 1795611600, '2D', 'uk', '5');
INSERT INTO showtimes VALUES (3, 'kyiv', 2, 2, 1795604400, '2D', 'uk', '1');
INSERT INTO stats VALUES ('visitor_counter', 1234);
INSERT INTO coverage VALUES ('kyiv', '2026-11-21', 1795500000);
INSERT INTO coverage VALUES ('kyiv', '2026-11-22', 1795500000);
INSERT INTO budget VALUES ('2026-11-21', 14, 690000);
ALTER TABLE locations ADD COLUMN progress TEXT NOT NULL DEFAULT '';
