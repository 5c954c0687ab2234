package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
	"github.com/hawkes-toolkit/hawkes/stream"
	"github.com/hawkes-toolkit/hawkes/stream/dashboard"
)

var dashboardURL = regexp.MustCompile(`serving the dashboard.*url=(http://127\.0\.0\.1:\d+/)`)

// dashboardAddr waits for c to log where it serves the dashboard.
func dashboardAddr(t *testing.T, c *child) string {
	t.Helper()
	wait(t, 60*time.Second, "the dashboard's address", c.stderr.changed, c.exited, func() bool {
		return dashboardURL.MatchString(c.stderr.String())
	})
	return dashboardURL.FindStringSubmatch(c.stderr.String())[1]
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s %v", url, r.StatusCode, b, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %s: %v", url, b, err)
	}
}

// TestStreamHTTP runs hawkes stream --http on smh_cascades: the dashboard
// holds the whole run once it has drained, the command keeps serving it,
// and Ctrl-C then ends it with exit 0.
func TestStreamHTTP(t *testing.T) {
	dir := shared.Path(t, "smh_cascades")
	c := startChild(t, "stream --http", "stream", "--data", dir, "--http", "127.0.0.1:0", "--threshold", "150",
		"--format", "jsonl", "--partitions-retweets", "8", "--starts", "4")
	url := dashboardAddr(t, c)
	wait(t, 2*time.Minute, "the end of the run", c.stderr.changed, c.exited, func() bool {
		return strings.Contains(c.stderr.String(), "serving the dashboard until interrupted")
	})
	var s dashboard.Summary
	getJSON(t, url+"api/summary", &s)
	alertLines := strings.Count(c.stdout.String(), "\n")
	if s.Cascades != 20 || s.Finished != 20 || s.Open != 0 || s.Predictions != 40 || s.Alerts != alertLines || alertLines == 0 ||
		s.Status.Lag != 0 || len(s.Windows) != 2 || s.Windows[0].ARE.Count != 20 {
		t.Errorf("summary %+v, want 20 cascades finished, 40 predictions, %d alerts, no lag", s, alertLines)
	}
	var cs []dashboard.Cascade
	getJSON(t, url+"api/cascades?limit=3", &cs)
	if len(cs) != 3 || cs[0].Latest.NHat < cs[1].Latest.NHat || cs[1].Latest.NHat < cs[2].Latest.NHat {
		t.Errorf("cascades %+v, want the top 3 by predicted size", cs)
	}
	var one dashboard.Cascade
	getJSON(t, url+"api/cascades/"+cs[0].ID, &one)
	if n := len(one.Curve); n < 2 || one.Curve[n-1][1] != float64(one.N) {
		t.Errorf("curve %v of %d events: want it to end at the final size", one.Curve, one.N)
	}
	// Still serving, a while after the drain.
	time.Sleep(300 * time.Millisecond)
	if c.done() {
		t.Fatal("hawkes stream --http ended after the drain")
	}
	stopAll(t, 10*time.Second, c)
}

// TestStreamDashboardRole runs hawkes stream dashboard on its own against
// a broker process: it shows the outputs on the topics, those written
// before it started and after.
func TestStreamDashboardRole(t *testing.T) {
	broker := startChild(t, "broker", "stream", "broker", "--log-level", "warn", "--partitions-retweets", "8")
	wait(t, 20*time.Second, "the broker's address", broker.stdout.changed, broker.exited, func() bool {
		return strings.Contains(broker.stdout.String(), "\n")
	})
	addr := strings.TrimSpace(broker.stdout.String())
	topics := stream.DefaultTopics()
	prod := streamtest.Producer(t, []string{addr})
	send := func(topic, key string, v any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := prod.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(key), Value: sarama.ByteEncoder(b)}); err != nil {
			t.Fatal(err)
		}
	}
	send(topics.Predictions, "early", stream.Prediction{V: 1, ID: "early", Window: 600, Time: 700, N: 3, NHat: 30, Source: stream.SourceHawkes, Status: "ok"})
	d := startChild(t, "dashboard", "stream", "dashboard", "--brokers", addr, "--http", "127.0.0.1:0", "--max-cascades", "5", "--partitions-retweets", "8")
	url := dashboardAddr(t, d)
	send(topics.Predictions, "late", stream.Prediction{V: 1, ID: "late", Window: 600, Time: 800, N: 9, NHat: 90, Source: stream.SourceHawkes, Status: "ok"})
	send(topics.Alerts, "late", stream.Alert{V: 1, ID: "late", Window: 600, NHat: 90, N: 9, Threshold: 50, Source: stream.SourceHawkes})
	var cs []dashboard.Cascade
	wait(t, 30*time.Second, "both cascades and the alert on the dashboard", nil, d.exited, func() bool {
		getJSON(t, url+"api/cascades", &cs)
		return len(cs) == 2 && (cs[0].Alerted || cs[1].Alerted)
	})
	if cs[0].ID != "late" || !cs[0].Alerted || cs[1].ID != "early" {
		t.Errorf("cascades %+v, want late (alerted), then early", cs)
	}
	var s dashboard.Summary
	getJSON(t, url+"api/summary", &s)
	if s.MaxCascades != 5 || s.Alerts != 1 {
		t.Errorf("summary %+v, want --max-cascades 5 and 1 alert", s)
	}
	// The dashboard first, while its broker still answers.
	stopAll(t, 10*time.Second, d)
	stopAll(t, 10*time.Second, broker)
}
