-- name: AlertRuleInsert :one
INSERT INTO alert_rules (name, condition, threshold, severity, is_active, notification_channels)
VALUES (@name, @condition, @threshold, @severity, @is_active, @notification_channels)
RETURNING *;

-- name: AlertRuleList :many
SELECT * FROM alert_rules ORDER BY created_at, id;

-- name: AlertRuleDelete :execrows
DELETE FROM alert_rules WHERE id = @id;
