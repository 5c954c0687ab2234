package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/hawkes-toolkit/hawkes/stream"
)

//go:embed static
var static embed.FS

// Defaults of the server.
const (
	// DefaultAddr is where the dashboard listens by default: this machine
	// only, as there is no authentication.
	DefaultAddr = "127.0.0.1:8080"
	// DefaultRows is how many cascades the page's table shows, and
	// /api/cascades returns without ?limit.
	DefaultRows = 100
	// DefaultAlertRows is how many alerts /api/alerts returns without
	// ?limit, and the page shows.
	DefaultAlertRows = 50
	// minPush is the least time between two pushes to a page.
	minPush = 250 * time.Millisecond
)

// Handler returns the dashboard's HTTP handler on st: the page at /, its
// script and style under /static/, the JSON API under /api/ and the pushed
// updates at /api/events (server-sent events).
func Handler(st *State) http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static") // the folder is embedded
	files := http.FileServerFS(sub)
	mux.Handle("GET /static/", http.StripPrefix("/static/", files))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, sub, "index.html")
	})
	mux.HandleFunc("GET /api/summary", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, st.Summary())
	})
	mux.HandleFunc("GET /api/cascades", func(w http.ResponseWriter, r *http.Request) {
		limit, err := limitParam(r, DefaultRows)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		cs, err := st.Cascades(r.URL.Query().Get("sort"), limit)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, cs)
	})
	mux.HandleFunc("GET /api/cascades/{id}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := st.Cascade(r.PathValue("id"))
		if !ok {
			http.Error(w, "no such cascade (or no longer kept)", http.StatusNotFound)
			return
		}
		writeJSON(w, c)
	})
	mux.HandleFunc("GET /api/alerts", func(w http.ResponseWriter, r *http.Request) {
		limit, err := limitParam(r, DefaultAlertRows)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, st.Alerts(limit))
	})
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) { events(w, r, st) })
	return securityHeaders(mux)
}

// securityHeaders sets headers that keep the page to its own script and
// style: an id from the stream is text, never markup or code.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// limitParam returns ?limit, def when absent; it must be a count >= 0.
func limitParam(r *http.Request, def int) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("limit must be a count, got %q", s)
	}
	return n, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v) // a client gone is not ours to report
}

// Update is the data of one server-sent event "update" of /api/events:
// everything the page shows.
type Update struct {
	Summary  Summary        `json:"summary"`
	Cascades []Cascade      `json:"cascades"` // the top ?rows by predicted size
	Alerts   []stream.Alert `json:"alerts"`   // the newest DefaultAlertRows
}

// events pushes an Update at once, then at each change of st (at most
// every minPush), until the client leaves or the server stops.
func events(w http.ResponseWriter, r *http.Request, st *State) {
	rows, err := strconv.Atoi(r.URL.Query().Get("rows"))
	if err != nil || rows < 0 {
		rows = DefaultRows
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	ctx := r.Context()
	for {
		changed := st.Changed()
		cs, _ := st.Cascades(SortNHat, rows) // SortNHat is valid
		b, err := json.Marshal(Update{Summary: st.Summary(), Cascades: cs, Alerts: st.Alerts(DefaultAlertRows)})
		if err != nil {
			return
		}
		if _, err := fmt.Fprintf(w, "event: update\ndata: %s\n\n", b); err != nil {
			return
		}
		flusher.Flush()
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(minPush):
		}
	}
}

// ListenAddr returns addr with 127.0.0.1 as its host when it names none
// (":8080", "8080"): binding every interface is the user's explicit choice
// (0.0.0.0:8080), as the dashboard has no authentication.
func ListenAddr(addr string) (string, error) {
	if _, err := strconv.Atoi(addr); err == nil {
		addr = ":" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("dashboard: address %q: want HOST:PORT", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// Serve serves Handler(st) on addr (see ListenAddr; port 0 picks one) until
// ctx is done, and returns the address it listens on.
func Serve(ctx context.Context, addr string, st *State) (string, error) {
	addr, err := ListenAddr(addr)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("dashboard: %w", err)
	}
	srv := &http.Server{Handler: Handler(st), ReadHeaderTimeout: 5 * time.Second,
		// The pushes end with ctx: Shutdown does not wait for them.
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	go srv.Serve(ln) //nolint:errcheck // ErrServerClosed at shutdown; a page that stops answering is its user's signal
	return ln.Addr().String(), nil
}
