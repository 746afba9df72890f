-- REST APIs created before models existed get the two models AWS gives every new API
-- (`Empty` and `Error`, as crates/control-plane/src/models.rs creates them), so methods that
-- name them keep working. APIs that already have models are left alone.
INSERT INTO objects (account, region, kind, parent, id, doc)
SELECT a.account, a.region, 'model', a.id, d.name,
       json_object('id', lower(hex(randomblob(3))), 'name', d.name, 'description', d.description,
                   'schema', d.schema, 'contentType', 'application/json')
FROM objects a,
     (SELECT 1 AS ord, 'Empty' AS name, 'This is a default empty schema model' AS description,
             '{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title" : "Empty Schema",
  "type" : "object"
}' AS schema
      UNION ALL
      SELECT 2, 'Error', 'This is a default error schema model',
             '{
  "$schema" : "http://json-schema.org/draft-04/schema#",
  "title" : "Error Schema",
  "type" : "object",
  "properties" : {
    "message" : { "type" : "string" }
  }
}') d
WHERE a.kind = 'restapi'
  AND NOT EXISTS (SELECT 1 FROM objects m
                  WHERE m.account = a.account AND m.region = a.region
                    AND m.kind = 'model' AND m.parent = a.id)
ORDER BY a.seq, d.ord;
