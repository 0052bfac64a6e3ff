-- The table and its version sequence, as JdbcSchema.addVersionColumn would add them.
CREATE SEQUENCE flight_tandem_seq;
CREATE TABLE flight (
  flight_id BIGINT PRIMARY KEY,
  flight_no VARCHAR(8) NOT NULL,
  origin VARCHAR(3) NOT NULL,
  destination VARCHAR(3) NOT NULL,
  departure TIMESTAMP NOT NULL,
  arrival TIMESTAMP NOT NULL,
  tandem_version BIGINT DEFAULT NEXT VALUE FOR flight_tandem_seq NOT NULL,
  CHECK (arrival > departure));
