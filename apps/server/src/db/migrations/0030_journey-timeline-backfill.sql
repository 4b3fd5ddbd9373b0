-- The customer timeline of an upgraded install starts with what SCRM already knows: each relation's add (at its add
-- time, with its channel and link when SCRM made the state) and its end, each group's creation, and each customer's
-- joins and quits of groups. The dedupe keys are the ones the live writers use (customers / groups modules), so a
-- callback about one of these later records nothing twice.
INSERT INTO "customer_event" ("external_userid", "userid", "type", "occurred_at", "actor", "data", "dedupe_key")
SELECT r."external_userid", r."userid", 'customer_added', r."createtime", 'wecom',
  jsonb_build_object('state', r."state", 'addWay', r."add_way") || CASE WHEN src."id" IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(
    'sourceType', src."get_type", 'sourceId', src."id", 'sourceName', src."link_name", 'channelId', src."channel_id", 'channelName', ch."name",
    'linkId', src."id", 'linkName', src."link_name", 'getType', src."get_type") END,
  'customer_added:' || r."external_userid" || ':' || r."userid" || ':' || floor(extract(epoch FROM r."createtime"))::bigint
FROM "customer_relation" r
LEFT JOIN LATERAL (
  SELECT s.* FROM (
    SELECT l."id", l."link_name", l."get_type", l."channel_id", 0 AS "rank" FROM "acq_link" l WHERE l."state" = r."state"
    UNION ALL
    SELECT l."id", l."link_name", l."get_type", l."channel_id", 1 FROM "acq_rule" ru JOIN "acq_link" l ON l."id" = ru."acq_link_id" WHERE ru."state" = r."state"
  ) s ORDER BY s."rank" LIMIT 1
) src ON r."state" <> ''
LEFT JOIN "acq_channel" ch ON ch."id" = src."channel_id"
ORDER BY r."createtime", r."id"
ON CONFLICT ("dedupe_key") DO NOTHING;
--> statement-breakpoint
INSERT INTO "customer_event" ("external_userid", "userid", "type", "occurred_at", "actor", "data", "dedupe_key")
SELECT r."external_userid", r."userid", CASE r."lost_by" WHEN 'customer' THEN 'customer_lost' ELSE 'customer_deleted' END, r."lost_at", 'wecom',
  CASE r."lost_by" WHEN 'customer' THEN jsonb_build_object('days', floor(extract(epoch FROM r."lost_at" - r."createtime") / 86400)::int) ELSE '{}'::jsonb END,
  CASE r."lost_by" WHEN 'customer' THEN 'customer_lost:' ELSE 'customer_deleted:' END || r."external_userid" || ':' || r."userid" || ':' || floor(extract(epoch FROM r."lost_at"))::bigint
FROM "customer_relation" r
WHERE r."status" = 'lost' AND r."lost_by" IS NOT NULL AND r."lost_at" IS NOT NULL
ORDER BY r."lost_at", r."id"
ON CONFLICT ("dedupe_key") DO NOTHING;
--> statement-breakpoint
INSERT INTO "customer_event" ("userid", "chat_id", "type", "occurred_at", "actor", "data", "dedupe_key")
SELECT NULLIF(g."owner", ''), g."chat_id", 'group_created', g."create_time", 'wecom', jsonb_build_object('groupName', g."name", 'owner', g."owner"),
  'group_created:' || g."chat_id"
FROM "group_chat" g
ORDER BY g."create_time", g."id"
ON CONFLICT ("dedupe_key") DO NOTHING;
--> statement-breakpoint
INSERT INTO "customer_event" ("external_userid", "userid", "chat_id", "type", "occurred_at", "actor", "data", "dedupe_key")
SELECT m."userid", NULLIF(g."owner", ''), m."chat_id", 'group_joined', m."join_time", 'wecom',
  jsonb_build_object('chatId', m."chat_id", 'groupName', g."name", 'joinScene', m."join_scene"),
  'group_joined:' || m."chat_id" || ':' || m."userid" || ':' || floor(extract(epoch FROM m."join_time"))::bigint
FROM "group_member" m JOIN "group_chat" g ON g."chat_id" = m."chat_id"
WHERE m."type" = 2
ORDER BY m."join_time", m."id"
ON CONFLICT ("dedupe_key") DO NOTHING;
--> statement-breakpoint
INSERT INTO "customer_event" ("external_userid", "userid", "chat_id", "type", "occurred_at", "actor", "data", "dedupe_key")
SELECT m."userid", NULLIF(g."owner", ''), m."chat_id", 'group_quit', m."quit_time", 'wecom',
  jsonb_build_object('chatId', m."chat_id", 'groupName', g."name", 'quitScene', m."quit_scene"),
  'group_quit:' || m."chat_id" || ':' || m."userid" || ':' || floor(extract(epoch FROM m."join_time"))::bigint
FROM "group_member" m JOIN "group_chat" g ON g."chat_id" = m."chat_id"
WHERE m."type" = 2 AND m."quit_time" IS NOT NULL
ORDER BY m."quit_time", m."id"
ON CONFLICT ("dedupe_key") DO NOTHING;
