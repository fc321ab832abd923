-- name: UserCreate :one
INSERT INTO users (email, name, role, timezone, locale)
VALUES (@email, sqlc.narg('name'), @role, @timezone, @locale)
RETURNING *;

-- name: UserGetByID :one
SELECT * FROM users WHERE id = @id;

-- name: UserGetByEmail :one
SELECT * FROM users WHERE email = @email;

-- name: UserGetManyByIDs :many
SELECT * FROM users WHERE id = ANY(@ids::uuid[]);

-- name: UserList :many
-- Keyset pagination in creation order.
SELECT * FROM users
WHERE (sqlc.narg('after_created')::timestamptz IS NULL
       OR (created_at, id) > (sqlc.narg('after_created')::timestamptz, sqlc.narg('after_id')::uuid))
ORDER BY created_at, id
LIMIT @lim;

-- name: UserUpdateProfile :one
-- Preferences are merged key by key in this one statement (the seed's
-- update_preference): the keys of preferences_remove are dropped, then
-- preferences_set is merged over the rest with jsonb ||. Two changes of
-- different keys made at the same time both survive, as a read-modify-write
-- would not promise. A NULL preferences_set leaves preferences alone. No row
-- is written (none returned) when the merged object would exceed
-- preferences_max bytes.
UPDATE users SET
    -- An empty name clears it (NULL: displayName falls back), NULL keeps it.
    name        = CASE WHEN sqlc.narg('name')::text IS NULL THEN name ELSE nullif(sqlc.narg('name')::text, '') END,
    timezone    = coalesce(sqlc.narg('timezone'), timezone),
    locale      = coalesce(sqlc.narg('locale'), locale),
    preferences = CASE WHEN sqlc.narg('preferences_set')::jsonb IS NULL THEN preferences
                       ELSE (preferences - @preferences_remove::text[]) || sqlc.narg('preferences_set')::jsonb END,
    updated_at  = now()
WHERE id = @id
  AND (sqlc.narg('preferences_set')::jsonb IS NULL
       OR octet_length(((preferences - @preferences_remove::text[]) || sqlc.narg('preferences_set')::jsonb)::text)
          <= @preferences_max::int)
RETURNING *;

-- name: UserSetRole :one
UPDATE users SET role = @role, updated_at = now() WHERE id = @id RETURNING *;

-- name: UserSetActive :one
UPDATE users SET is_active = @is_active, updated_at = now() WHERE id = @id RETURNING *;

-- name: UserTouchLogin :exec
-- Written at most once a minute per user, so requests do not each cost a write.
UPDATE users SET last_login_at = now()
WHERE id = @id AND (last_login_at IS NULL OR last_login_at < now() - interval '1 minute');
