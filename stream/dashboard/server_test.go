package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hawkes-toolkit/hawkes/stream"
)

// testServer serves a state holding three cascades, one finished and one
// alert.
func testServer(t *testing.T) (*State, *httptest.Server) {
	t.Helper()
	s := newTestState(t, 10)
	s.Prediction(pred("a", 600, 50, 5, 0))
	s.Prediction(pred("b", 600, 500, 7, 1))
	s.Prediction(pred(`<img src=x onerror=alert(1)>`, 600, 5, 1, 0))
	s.Stat(statMsg("a", 600, 60, 0.2, 0))
	s.Alert(stream.Alert{V: 1, ID: "b", Window: 600, NHat: 500, N: 7, Threshold: 100, Source: stream.SourceHawkes})
	srv := httptest.NewServer(Handler(s))
	t.Cleanup(srv.Close)
	return s, srv
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, string(b)
}

func TestHandlerAPI(t *testing.T) {
	_, srv := testServer(t)
	tests := []struct {
		path     string
		code     int
		contains string
		check    func(t *testing.T, body string)
	}{
		{"/api/cascades", 200, `"id":"b"`, func(t *testing.T, body string) {
			var cs []Cascade
			if err := json.Unmarshal([]byte(body), &cs); err != nil {
				t.Fatal(err)
			}
			if len(cs) != 3 || cs[0].ID != "b" || cs[1].ID != "a" || cs[0].Curve != nil || !cs[0].Alerted || cs[1].State != StateFinished {
				t.Errorf("cascades %+v: want b, a, then the third, without curves", cs)
			}
		}},
		{"/api/cascades?sort=n&limit=1", 200, `"id":"a"`, func(t *testing.T, body string) {
			if strings.Count(body, `"state"`) != 1 {
				t.Errorf("limit 1 gave %s", body)
			}
		}},
		{"/api/cascades?sort=size", 400, "sort must be", nil},
		{"/api/cascades?limit=-1", 400, "limit must be a count", nil},
		{"/api/cascades/b", 200, `"curve":[[0,1],[300,7]]`, nil},
		{"/api/cascades/%3Cimg%20src=x%20onerror=alert(1)%3E", 200, `"id":"\u003cimg src=x onerror=alert(1)\u003e"`, nil},
		{"/api/cascades/zzz", 404, "no such cascade", nil},
		{"/api/alerts", 200, `"id":"b"`, nil},
		{"/api/alerts?limit=0", 200, "[]", nil},
		{"/api/summary", 200, `"predictions":3`, func(t *testing.T, body string) {
			var s Summary
			if err := json.Unmarshal([]byte(body), &s); err != nil {
				t.Fatal(err)
			}
			if s.Cascades != 3 || s.Finished != 1 || s.Open != 2 || s.Alerts != 1 || len(s.Windows) != 1 || s.Windows[0].ARE.Count != 1 {
				t.Errorf("summary %+v", s)
			}
		}},
		{"/", 200, `<script src="/static/app.js"`, nil},
		{"/static/app.js", 200, "EventSource", nil},
		{"/static/style.css", 200, "font", nil},
		{"/nope", 404, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r, body := get(t, srv.URL+tt.path)
			if r.StatusCode != tt.code || !strings.Contains(body, tt.contains) {
				t.Fatalf("%d %q, want %d with %q", r.StatusCode, body, tt.code, tt.contains)
			}
			if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
}

// Hostile: a cascade id that is HTML markup with a script (an img tag with an onerror handler) -> JSON-escaped by the API, put in the page as text only, and the page's Content-Security-Policy allows its own script alone
func TestHostileMarkupInID(t *testing.T) {
	_, srv := testServer(t)
	_, js := get(t, srv.URL+"/static/app.js")
	if strings.Contains(js, "innerHTML") || strings.Contains(js, "insertAdjacentHTML") || strings.Contains(js, "eval(") {
		t.Error("the page's script writes markup: every text from the stream must go into textContent")
	}
	r, body := get(t, srv.URL+"/api/cascades")
	if strings.Contains(body, "<img") {
		t.Errorf("the API wrote markup unescaped: %s", body)
	}
	if csp := r.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
}

// readEvent reads one server-sent event and returns its name and data.
func readEvent(t *testing.T, r *bufio.Reader) (string, string) {
	t.Helper()
	var name, data string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the events: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			return name, data
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data += strings.TrimPrefix(line, "data: ")
		}
	}
}

func TestHandlerEvents(t *testing.T) {
	s, srv := testServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/events?rows=2", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	name, data := readEvent(t, r)
	var u Update
	if err := json.Unmarshal([]byte(data), &u); err != nil || name != "update" {
		t.Fatalf("event %q %q: %v", name, data, err)
	}
	if len(u.Cascades) != 2 || u.Cascades[0].ID != "b" || len(u.Alerts) != 1 || u.Summary.Predictions != 3 {
		t.Fatalf("first update %+v, want the top 2 cascades, 1 alert, 3 predictions", u)
	}
	// A change is pushed.
	s.Alert(stream.Alert{V: 1, ID: "a", Window: 600, NHat: 200, N: 5, Threshold: 100, Source: stream.SourceHawkes})
	_, data = readEvent(t, r)
	if err := json.Unmarshal([]byte(data), &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Alerts) != 2 || u.Alerts[0].ID != "a" || u.Summary.Alerts != 2 {
		t.Errorf("pushed update %+v, want the new alert first", u.Alerts)
	}
}

func TestListenAddr(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{":8080", "127.0.0.1:8080", ""},
		{"8080", "127.0.0.1:8080", ""},
		{"0.0.0.0:80", "0.0.0.0:80", ""},
		{"[::1]:0", "[::1]:0", ""},
		{"localhost", "", "want HOST:PORT"},
	}
	for _, tt := range tests {
		got, err := ListenAddr(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %q %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestServeStopsWithContext(t *testing.T) {
	s := newTestState(t, 10)
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := Serve(ctx, "127.0.0.1:0", s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("listening on %s", addr)
	}
	// A page following the updates does not hold up the stop.
	resp, err := http.Get("http://" + addr + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	readEvent(t, bufio.NewReader(resp.Body))
	cancel()
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(resp.Body); done <- err }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the events did not end with the server")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := http.Get("http://" + addr + "/api/summary"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still serving after ctx was done")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
