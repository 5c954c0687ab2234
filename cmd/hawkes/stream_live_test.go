package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hawkes-toolkit/hawkes/convert"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
	"github.com/hawkes-toolkit/hawkes/stream"
)

// TestStreamReaderLive pipes the real Twitter sample through hawkes stream
// reader --from twitter-v1 - on the embedded broker, with a fitter, and
// checks that every cascade of at least 5 events (as hawkes convert finds
// them in the same lines) is predicted on every window, from the same
// events. The whole sample (18,168 cascades, 36,336 predictions) takes
// minutes and runs in make test-long; under -short the feed is the
// sample's lines of those cascades (the originals' and reposts' own
// lines) and its first 200 lines, in file order.
func TestStreamReaderLive(t *testing.T) {
	lines := shared.GzipLines(t, shared.TwitterSample, -1)
	t0 := time.Now()
	ctx := context.Background()
	feed := lines
	if testing.Short() {
		// The lines of the cascades of at least 5 events, found by
		// scanning for the ids (the top-level id_str comes before the
		// user's; a retweet's original's is the first after
		// "retweeted_status"): decoding the whole sample under -race
		// takes seconds a pass.
		idAfter := func(l []byte, from int) string {
			const key = `"id_str":"`
			i := bytes.Index(l[from:], []byte(key))
			if i < 0 {
				return ""
			}
			rest := l[from+i+len(key):]
			return string(rest[:bytes.IndexByte(rest, '"')])
		}
		type ids struct{ id, orig string }
		parsed := make([]ids, len(lines))
		seen := map[string]bool{}
		retweets := map[string]int{}
		for i, l := range lines {
			if bytes.HasPrefix(l, []byte(`{"delete"`)) {
				continue
			}
			p := ids{id: idAfter(l, 0)}
			if k := bytes.Index(l, []byte(`"retweeted_status":`)); k >= 0 {
				p.orig = idAfter(l, k)
				if !seen[p.id] {
					retweets[p.orig]++
				}
			}
			seen[p.id] = true
			parsed[i] = p
		}
		feed = nil
		for i, l := range lines {
			p := parsed[i]
			if i < 200 || retweets[p.id] >= 4 || (p.orig != "" && retweets[p.orig] >= 4) {
				feed = append(feed, l)
			}
		}
	}
	cs, _, err := convert.Convert(ctx, convert.TwitterV1, []convert.Input{{Name: "feed", R: bytes.NewReader(bytes.Join(feed, []byte("\n")))}},
		convert.Options{MinSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 90 {
		t.Fatalf("%d cascades of at least 5 events in the feed: the sample has about a hundred", len(cs))
	}

	t.Logf("feed of %d lines ready in %.1fs", len(feed), time.Since(t0).Seconds())
	b := streamtest.StartBroker(t, stream.StartBroker, stream.BrokerOptions{})
	addr := b.Addrs()[0]
	topics := stream.DefaultTopics()
	client := stream.Client{Brokers: b.Addrs()}
	if err := stream.EnsureTopics(ctx, client, topics, nil); err != nil {
		t.Fatal(err)
	}
	cl := streamtest.Client(t, b.Addrs())
	admin := streamtest.Admin(t, b.Addrs())
	watches := streamtest.WatchTopics(t, cl, topics.Predictions, topics.DeadLetters)
	// One fitting start per fit: what is checked is that every cascade is
	// predicted, from the right events, not how well.
	fctx, stop := context.WithCancel(ctx)
	const fitters = 1
	fitterDone := make(chan error, fitters)
	for i := range fitters {
		fo := stream.FitterOptions{Log: streamtest.Logger(t), ID: fmt.Sprintf("live-%d", i)}
		fo.Fit.Starts = 1
		fitter, err := stream.NewFitter(client, topics, fo)
		if err != nil {
			t.Fatal(err)
		}
		go func() { fitterDone <- fitter.Run(fctx) }()
	}
	defer func() {
		stop()
		for range fitters {
			if err := <-fitterDone; err != nil {
				t.Errorf("fitter: %v", err)
			}
		}
	}()

	t.Logf("broker and fitters started %.1fs in", time.Since(t0).Seconds())
	ios, _, stderr := testStreams()
	ios.In = bytes.NewReader(bytes.Join(feed, []byte("\n")))
	began := time.Now()
	if code := run(ctx, []string{"stream", "reader", "--brokers", addr, "--from", "twitter-v1", "--log-level", "warn", "-"}, ios); code != exitOK {
		t.Fatalf("reader exit code %d: %s", code, stderr)
	}
	t.Logf("reader:\n%s", stderr)
	if !strings.Contains(stderr.String(), " 0 late reposts dead-lettered") {
		t.Errorf("late reposts in the sample at the default lateness: %s", stderr)
	}
	timeout := 120 * time.Second
	if !testing.Short() {
		timeout = 20 * time.Minute
	}
	streamtest.Wait(t, timeout, "the fitter to consume the feed", func() bool {
		return streamtest.CommittedAll(t, cl, admin, stream.DefaultFitterGroup, topics.Retweets)
	})
	streamtest.Wait(t, 30*time.Second, "the predictions", func() bool { return watches[0].CaughtUp(t, cl) && watches[1].CaughtUp(t, cl) })
	t.Logf("fed %d lines; drained %.1fs after the reader started", len(feed), time.Since(began).Seconds())

	type key struct {
		id string
		w  float64
	}
	got := map[key]int{}
	for _, m := range watches[0].Messages() {
		p, err := stream.DecodePrediction(m.Value)
		if err != nil {
			t.Fatalf("prediction %d/%d: %v", m.Partition, m.Offset, err)
		}
		if _, dup := got[key{p.ID, p.Window}]; !dup {
			got[key{p.ID, p.Window}] = p.N
		}
	}
	for i := range cs {
		c := &cs[i]
		for _, w := range stream.DefaultWindows() {
			n, ok := got[key{c.ID, w}]
			switch {
			case !ok:
				t.Errorf("cascade %s (%d events) not predicted on window %v", c.ID, c.Len(), w)
			case n != c.Window(w):
				t.Errorf("cascade %s window %v: predicted from %d events, the conversion has %d", c.ID, w, n, c.Window(w))
			}
		}
	}
	if n := len(watches[1].Messages()); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	t.Logf("%d cascades of at least 5 events, each predicted on %v; %d predictions in all", len(cs), stream.DefaultWindows(), len(got))
}

// Hostile: a malformed line in the live reader's feed -> reported with its line number and skipped, the feed goes on; with --strict exit 3
func TestStreamReaderLiveBadInput(t *testing.T) {
	b := streamtest.StartBroker(t, stream.StartBroker, stream.BrokerOptions{})
	feed := `{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"1"}` + "\n{oops\n" +
		`{"created_at":"Sat Nov 18 08:00:05 +0000 2017","id_str":"2","retweeted_status":{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"1"}}` + "\n"
	ios, _, stderr := testStreams()
	ios.In = strings.NewReader(feed)
	argv := []string{"stream", "reader", "--brokers", b.Addrs()[0], "--from", "twitter-v1", "--log-level", "warn", "-"}
	if code := run(context.Background(), argv, ios); code != exitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	for _, want := range []string{"reader: skipped standard input line 2: not a JSON object", "malformed 1", "2 events of 1 cascades sent"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	ios, _, stderr = testStreams()
	ios.In = strings.NewReader(feed)
	if code := run(context.Background(), append(argv[:len(argv)-1], "--strict", "-"), ios); code != exitBadInput {
		t.Errorf("--strict: exit code %d, want %d: %s", code, exitBadInput, stderr)
	}
}

func TestStreamReaderLiveFlags(t *testing.T) {
	var got *ReaderOptions
	r := streamRunners{reader: func(_ context.Context, o *ReaderOptions) error { got = o; return nil }}
	tests := []struct {
		argv     []string
		wantErr  string
		lateness float64
	}{
		{[]string{"--from", "twitter-v1", "-"}, "", stream.DefaultLateness},
		{[]string{"--from", "bluesky", "--follow", "f.jsonl", "--lateness", "0", "--followers", "f.csv"}, "", 0},
		{[]string{"--from", "twitter-v2", "--lateness", "5", "-"}, "", 5},
		{[]string{"--from", "twitter-v2"}, "give one", 0},
		{[]string{"--from", "twitter-v2", "--follow", "f", "-"}, "give one", 0},
		{[]string{"--from", "mastodon", "-"}, `unknown format "mastodon"`, 0},
		{[]string{"--from", "twitter-v1", "--data", "d", "-"}, "exclude each other", 0},
		{[]string{"--from", "twitter-v1", "--speed", "10", "-"}, "are for --data", 0},
		{[]string{"--from", "twitter-v1", "--lateness", "-1", "-"}, "--lateness must be", 0},
		{[]string{"-"}, "need --from", 0},
		{[]string{"--data", "d", "x"}, "takes no argument but -", 0},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			got = nil
			ios, _, stderr := testStreams()
			code := execSub(t, ios, newStreamCmd(ios, r), append([]string{"stream", "reader", "--brokers", "k:1"}, tt.argv...)...)
			if tt.wantErr != "" {
				if code != exitUsage || !strings.Contains(stderr.String(), tt.wantErr) || got != nil {
					t.Errorf("exit %d, stderr %q; want usage error %q", code, stderr, tt.wantErr)
				}
				return
			}
			if code != exitOK || got == nil {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if lo := got.liveOptions(); lo.WithDefaults().Lateness != tt.lateness {
				t.Errorf("lateness %v, want %v", lo.WithDefaults().Lateness, tt.lateness)
			}
		})
	}
}
