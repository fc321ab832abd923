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
UPDATE users SET
    name        = coalesce(sqlc.narg('name'), name),
    timezone    = coalesce(sqlc.narg('timezone'), timezone),
    locale      = coalesce(sqlc.narg('locale'), locale),
    preferences = coalesce(sqlc.narg('preferences')::jsonb, preferences),
    updated_at  = now()
WHERE id = @id
RETURNING *;

-- name: UserSetRole :one
UPDATE users SET role = @role, updated_at = now() WHERE id = @id RETURNING *;

-- name: UserSetActive :one
UPDATE users SET is_active = @is_active, updated_at = now() WHERE id = @id RETURNING *;

-- name: UserTouchLogin :exec
-- Written at most once a minute per user, so requests do not each cost a write.
UPDATE users SET last_login_at = now()
WHERE id = @id AND (last_login_at IS NULL OR last_login_at < now() - interval '1 minute');
