package wstransport

import "context"

type initPayloadKey struct{}

func withInitPayload(ctx context.Context, payload map[string]any) context.Context {
	return context.WithValue(ctx, initPayloadKey{}, payload)
}

// ContextInitPayload returns the connection_init payload of the WebSocket
// connection an operation runs on (also inside InitFunc), or nil. Resolvers
// use it the way HTTP handlers use request headers, since browsers cannot
// set headers on a WebSocket.
func ContextInitPayload(ctx context.Context) map[string]any {
	p, _ := ctx.Value(initPayloadKey{}).(map[string]any)
	return p
}
