// Package api is safehubd's local API: HTTP and JSON over a unix socket
// (mode 0660, owned by a group such as safehub), so only local
// administrators reach it. The technician's safehubctl is its client.
//
// The server takes small consumer-side interfaces (Backend's parts:
// status, events, test alarm, walk test, pairing, validation, reload and
// the output test), so it is tested alone; gateway/daemon implements them.
// Client is the typed client safehubctl uses.
//
// Streams (live events, walk test, test alarm progress, output test) are
// JSON lines: one JSON object per line, flushed as it happens. A stream
// ends when the client disconnects, and the server undoes what the stream
// started (the walk test's test mode always ends; the output under test
// goes back as it was).
//
// Endpoints, all under /v1:
//
//	GET  /status              Status
//	GET  /sensors             []gateway.SensorHealth
//	GET  /events?after=N|since=RFC3339&limit=N   []event.Event
//	GET  /events/stream       JSON lines of event.Event
//	POST /alarm/test?timeout=30s   JSON lines of AlarmProgress
//	POST /walktest?timeout=10m     JSON lines of WalkMessage
//	GET  /outputs             []OutputStatus
//	POST /outputs/test?id=ID&id=ID&for=2s   JSON lines of OutputTestStep
//	POST /pair                PairRequest → PairResult
//	POST /config/validate     the config file on disk → Validation
//	POST /rules/validate      body: rules file (empty: the configured one) → Validation
//	POST /reload              reload the config file → Validation
//
// Errors are ErrorBody with an HTTP status: 400 bad request, 409 busy,
// 422 invalid config or rules, 500 failure, 501 not available.
package api
