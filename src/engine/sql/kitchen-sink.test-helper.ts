/**
 * SQL fixtures for the parser and printer tests (graphql-js kitchen-sink
 * style): every production at least once, plus statements taken from
 * ksqlDB's documentation and quickstarts.
 *
 * @module
 */

/** One request covering the whole grammar, with comments and odd spacing. */
export const KITCHEN_SINK = `-- DDL
CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR KEY, pageid STRING)
  WITH (kafka_topic='pageviews', value_format='JSON', partitions=1, replicas=-1);
create or replace source table if not exists users (
  userid varchar primary key,
  registertime bigint,
  interests ARRAY<STRING>,
  contactinfo MAP<STRING, STRING>,
  address STRUCT<street STRING, "Zip" INT, geo STRUCT<lat DOUBLE, lon DOUBLE>>,
  balance DECIMAL(10, 2),
  avatar BYTES,
  born DATE, wakes TIME, seen TIMESTAMP, active BOOLEAN, age INTEGER, shoe INT,
  \`Quoted Col\` STRING,
  hdrs ARRAY<STRUCT<key STRING, value BYTES>> HEADERS,
  trace BYTES HEADER('trace-id')
) WITH ('kafka_topic'='users', "VALUE_FORMAT"='AVRO', WRAP_SINGLE_VALUE=false, \`key.schema.id\`=NULL);
CREATE STREAM s_no_elements WITH (KAFKA_TOPIC='t', FORMAT='AVRO');
CREATE TYPE IF NOT EXISTS address AS STRUCT<number INTEGER, street VARCHAR, city VARCHAR>;
CREATE TYPE empty_struct AS STRUCT<>;
DROP TYPE IF EXISTS address;
DROP TYPE address;
DROP STREAM IF EXISTS pageviews DELETE TOPIC;
DROP TABLE users;
ALTER STREAM pageviews ADD COLUMN referrer STRING, ADD extra ARRAY<INT>;
ALTER TABLE users ADD COLUMN STRING;

/* CSAS / CTAS / INSERT */
CREATE STREAM pageviews_female WITH (kafka_topic='pf', value_format='JSON') AS
  SELECT users.userid AS userid, pageid, regionid, gender
  FROM pageviews LEFT JOIN users ON pageviews.userid = users.userid
  WHERE gender = 'FEMALE'
  EMIT CHANGES;
CREATE OR REPLACE TABLE IF NOT EXISTS pageviews_regions AS
  SELECT gender, regionid, COUNT(*) AS numusers
  FROM pageviews_female
  WINDOW TUMBLING (SIZE 30 SECOND, RETENTION 1000 DAYS, GRACE PERIOD 10 MINUTES)
  GROUP BY gender, regionid
  HAVING COUNT(*) > 1
  EMIT CHANGES;
INSERT INTO pageviews SELECT * FROM other_views EMIT CHANGES;
INSERT INTO pageviews WITH (QUERY_ID='my_query') SELECT * FROM other_views;
INSERT INTO pageviews (viewtime, userid, pageid) VALUES (1, 'u''1', 'p' || '1');
INSERT INTO pageviews VALUES (-1, NULL, CAST(NULL AS STRING));
INSERT INTO empty VALUES ();

-- queries
SELECT * FROM pageviews EMIT CHANGES LIMIT 10;
SELECT p.*, u.userid, u.address->street, u.address->geo->lat AS lat, u.interests[1], u.contactinfo['email'],
       u.interests[SIZE_OF(u.interests) - 1] last_interest, address->*
  FROM pageviews AS p
  INNER JOIN users u WITHIN (1 HOUR, 2 HOURS) GRACE PERIOD 5 MINUTES ON p.userid = u.userid
  RIGHT OUTER JOIN t3 WITHIN 10 SECONDS ON p.x = t3.x
  FULL JOIN t4 ON t4.x = u.userid
  JOIN t5 ON t5.x = p.x
  WHERE p.viewtime BETWEEN 1 AND 100 AND u.gender NOT IN ('a', 'b') OR u.name LIKE 'a!%%' ESCAPE '!'
  PARTITION BY p.userid
  EMIT CHANGES;
SELECT pageid, COUNT(*) FROM pageviews
  WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS, RETENTION 7 DAYS, GRACE PERIOD 1 HOUR)
  GROUP BY (pageid) EMIT FINAL;
SELECT userid, COUNT(*) FROM pageviews WINDOW SESSION (60 SECONDS, GRACE PERIOD 2 MILLISECONDS) GROUP BY (userid, pageid) EMIT CHANGES;
SELECT x FROM s WINDOW w1 TUMBLING (SIZE 5 MILLISECONDS) GROUP BY () EMIT CHANGES;
SELECT a, b FROM s GROUP BY (a) + 1, b;
SELECT a FROM s PARTITION BY (a, b);
SELECT
  CASE WHEN a > 1 THEN 'big' WHEN a IS NULL THEN 'none' ELSE 'small' END AS size_class,
  CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' END,
  CAST(a AS DECIMAL(4, 2)), CAST(b AS ARRAY<MAP<STRING, INT>>),
  ARRAY[1, 2, 3], ARRAY[], MAP('k' := 1, 'j' := 2), MAP(), STRUCT(a := 1, \`b\` := 'x'), STRUCT(),
  TRANSFORM(arr, x => x + 1), REDUCE(m, 0, (s, k, v) => s + v), FILTER(m, (k, v) => k <> 'x' AND v != 0),
  TIMESTAMPADD(SECONDS, 5, ts), TIMESTAMPSUB(MILLISECOND, 1, ts), DATEADD(DAYS, 1, d),
  1, -2, 2147483647, -2147483648, 2147483648, -9223372036854775808, 9223372036854775807,
  1.5, .5, 1., 0.050, -1.50, 1.5E3, 1e-3, -2E+2,
  TRUE, FALSE, NULL, 'it''s',
  a IS NOT NULL, a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b, NOT a, a NOT BETWEEN 1 AND 2,
  a NOT LIKE 'x', -a, +a, - -a, -(1), a % 2, a / 2 * 3, (a + b) * c, a || b || c,
  \`TIMESTAMP\`, key, size_of(x), "Mixed Case", \`back\`\`tick\`
FROM s;
SELECT COUNT(*), COUNT(), LATEST_BY_OFFSET(x, 2) FROM s GROUP BY k;

-- admin
SHOW STREAMS;
LIST STREAMS EXTENDED;
SHOW TABLES; SHOW TABLES EXTENDED;
SHOW QUERIES; show queries extended;
SHOW TOPICS; SHOW ALL TOPICS; SHOW ALL TOPICS EXTENDED; LIST TOPICS EXTENDED;
SHOW PROPERTIES; SHOW FUNCTIONS; SHOW TYPES; SHOW VARIABLES;
DESCRIBE pageviews; DESCRIBE pageviews EXTENDED; DESCRIBE STREAMS; DESCRIBE STREAMS EXTENDED;
DESCRIBE TABLES; DESCRIBE TABLES EXTENDED; DESCRIBE FUNCTION substring; DESCRIBE function;
SHOW COLUMNS FROM pageviews;
EXPLAIN CSAS_PAGEVIEWS_FEMALE_1;
EXPLAIN SELECT * FROM pageviews EMIT CHANGES;
EXPLAIN CREATE STREAM x AS SELECT * FROM y;
TERMINATE CSAS_PAGEVIEWS_FEMALE_1; TERMINATE ALL;
PAUSE q1; PAUSE ALL; RESUME \`q1\`; RESUME ALL;
SET 'auto.offset.reset' = 'earliest';
UNSET 'auto.offset.reset';
ALTER SYSTEM 'ksql.streams.num.stream.threads' = '4';
DEFINE topicName = 'orders';
UNDEFINE topicName;
PRINT pageviews;
PRINT 'PageViews' FROM BEGINNING INTERVAL 2 LIMIT 10;
PRINT \`t\` SAMPLE 3;
ASSERT TOPIC 'foo' WITH (partitions=1, replicas=3) TIMEOUT 10 SECONDS;
ASSERT NOT EXISTS TOPIC bar;
ASSERT SCHEMA SUBJECT 'foo-value' ID 5 TIMEOUT 2 MINUTES;
ASSERT NOT EXISTS SCHEMA ID 7;
`;

/** Statements from ksqlDB's docs and quickstarts, one per entry. */
export const KSQLDB_REAL: readonly string[] = [
  `CREATE STREAM riderLocations (profileId VARCHAR, latitude DOUBLE, longitude DOUBLE)
  WITH (kafka_topic='locations', value_format='json', partitions=1);`,
  `CREATE TABLE currentLocation AS
  SELECT profileId,
         LATEST_BY_OFFSET(latitude) AS la,
         LATEST_BY_OFFSET(longitude) AS lo
  FROM riderlocations
  GROUP BY profileId
  EMIT CHANGES;`,
  `CREATE TABLE ridersNearMountainView AS
  SELECT ROUND(GEO_DISTANCE(la, lo, 37.4133, -122.1162), -1) AS distanceInMiles,
         COLLECT_LIST(profileId) AS riders,
         COUNT(*) AS count
  FROM currentLocation
  GROUP BY ROUND(GEO_DISTANCE(la, lo, 37.4133, -122.1162), -1);`,
  `SELECT * FROM riderLocations
  WHERE GEO_DISTANCE(latitude, longitude, 37.4133, -122.1162) <= 5 EMIT CHANGES;`,
  `INSERT INTO riderLocations (profileId, latitude, longitude) VALUES ('c2309eec', 37.7877, -122.4205);`,
  `SELECT * from ridersNearMountainView WHERE distanceInMiles <= 10;`,
  `CREATE STREAM pageviews_intro AS
  SELECT * FROM pageviews
  WHERE pageid < 'Page_20'
  EMIT CHANGES;`,
  `CREATE TABLE pageviews_per_region_per_30secs AS
  SELECT regionid, COUNT(*) AS numusers
  FROM pageviews_enriched
  WINDOW TUMBLING (SIZE 30 SECONDS)
  GROUP BY regionid
  EMIT CHANGES;`,
  `SELECT TIMESTAMPTOSTRING(WINDOWSTART, 'yyyy-MM-dd HH:mm:ss Z') AS window_start,
         TIMESTAMPTOSTRING(WINDOWEND, 'yyyy-MM-dd HH:mm:ss Z') AS window_end,
         regionid, numusers
  FROM pageviews_per_region_per_30secs
  WHERE ROWTIME >= 1561690000000 AND numusers > 2
  EMIT CHANGES LIMIT 5;`,
  `CREATE STREAM orders (ORDER_ID INT KEY, ORDER_TS BIGINT, ITEMS ARRAY<STRUCT<ID STRING, QTY INT>>,
    ADDRESS STRUCT<STREET STRING, CITY STRING, ZIP STRING>)
  WITH (KAFKA_TOPIC='orders', FORMAT='JSON', PARTITIONS=6, TIMESTAMP='ORDER_TS');`,
  `SELECT ORDER_ID, ADDRESS->CITY, EXPLODE(ITEMS)->QTY AS QTY FROM orders EMIT CHANGES;`,
  `CREATE STREAM shipped_orders AS
    SELECT o.id AS order_id, TIMESTAMPTOSTRING(o.rowtime, 'yyyy-MM-dd HH:mm:ss') AS order_ts,
           o.total_amount, o.customer_name, s.id AS shipment_id,
           TIMESTAMPTOSTRING(s.rowtime, 'yyyy-MM-dd HH:mm:ss') AS shipment_ts, s.warehouse,
           (s.rowtime - o.rowtime) / 1000 / 60 AS ship_time
    FROM orders o INNER JOIN shipments s
    WITHIN 7 DAYS GRACE PERIOD 15 MINUTES
    ON o.id = s.order_id;`,
  `CREATE TABLE order_metrics AS
    SELECT customer_id, COUNT(*) AS count, SUM(total) AS sum
    FROM orders
    WINDOW HOPPING (SIZE 5 MINUTES, ADVANCE BY 1 MINUTE)
    GROUP BY customer_id
    EMIT FINAL;`,
  `SELECT id, FILTER(numbers, x => x > 5) AS big,
          TRANSFORM(kv, (k, v) => UCASE(k), (k, v) => v * 2) AS doubled,
          REDUCE(numbers, 0, (s, x) => s + x) AS total
   FROM lambda_stream EMIT CHANGES;`,
  `CREATE SOURCE TABLE users_src (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='json');`,
  `SELECT * FROM users_src WHERE id = 42;`,
  `CREATE STREAM s (k STRING KEY, h ARRAY<STRUCT<key STRING, value BYTES>> HEADERS, h1 BYTES HEADER('abc'))
   WITH (kafka_topic='s', format='json');`,
  `SET 'auto.offset.reset' = 'earliest';`,
  `CREATE STREAM pageviews_transformed
    WITH (TIMESTAMP='viewtime', PARTITIONS=5, VALUE_FORMAT='JSON') AS
    SELECT viewtime, userid, pageid,
           TIMESTAMPTOSTRING(viewtime, 'yyyy-MM-dd HH:mm:ss.SSS') AS timestring
    FROM pageviews
    PARTITION BY userid
    EMIT CHANGES;`,
  `SELECT CASE WHEN orderunits < 2.0 THEN 'small' WHEN orderunits < 4.0 THEN 'medium' ELSE 'large' END AS case_result
   FROM orders EMIT CHANGES;`,
  `DROP STREAM IF EXISTS pageviews_transformed DELETE TOPIC;`,
  `PRINT 'pageviews' FROM BEGINNING LIMIT 3;`,
  `DEFINE format = 'JSON';`,
  `SELECT PAGEID, SUBSTRING(PAGEID, 1, 4) FROM pageviews WHERE PAGEID LIKE 'Page_%' EMIT CHANGES;`,
  `SELECT userid, AS_VALUE(userid) AS uid, LATEST_BY_OFFSET(pageid) FROM pageviews GROUP BY userid EMIT CHANGES;`,
  `SELECT * FROM orders WHERE ORDER_ID IN (1, 2, 3) AND ITEMS[1]->QTY > 0 EMIT CHANGES;`,
];
