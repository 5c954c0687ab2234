// Package dashboard is the live dashboard of the stream (hawkes stream
// dashboard, and hawkes stream --http): a State fed by a stream.Watcher
// (it is a stream.Sink) and an HTTP server on it.
//
// # The page
//
// One HTML page, its script and style embedded in the binary (no CDN: it
// works offline): the cascades with their latest prediction, interval,
// source, model version and state, sortable, the top by predicted size
// first; the alerts as they fire; per window, the running mean and median
// ARE of the finished cascades and their ARE per model version; the
// retweets per second, open cascades, consumer lag and dead letters; and,
// for a cascade clicked, its growth curve (events against time, from the
// fitters' stream.Prediction.Curve) with its predicted final size and
// interval, drawn as SVG. Updates are pushed as server-sent events; the
// page never reloads.
//
// # The API
//
// Every answer is JSON (the Go types of this package, by their JSON tags):
//
//	GET /api/summary                   Summary: status, counts, per-window ARE and model versions
//	GET /api/cascades?sort=S&limit=N   []Cascade, sorted by nhat (default), n, age or id; limit 100 by default
//	GET /api/cascades/{id}             Cascade with its growth curve; 404 when it is not kept
//	GET /api/alerts?limit=N            []stream.Alert, newest first; limit 50 by default
//	GET /api/events?rows=N             server-sent events "update", each an Update (what the page shows)
//
// # Memory and security
//
// A State keeps the newest MaxCascades cascades (hawkes stream dashboard
// --max-cascades), the newest MaxAlerts alerts, and per window the newest
// MaxAREs errors for the running mean and median: its memory is bounded
// whatever the stream holds. There is no authentication: the server
// listens on 127.0.0.1 unless given another host (see ListenAddr). Text
// from the stream (cascade ids) is put in the page as text, never as
// markup, and the Content-Security-Policy allows the page's own script and
// style only.
//
// The page's script is hand-written (some 300 lines, no framework): it has
// to be embedded and work offline, and a table, a few numbers and one line
// chart do not need a build tool chain.
package dashboard
