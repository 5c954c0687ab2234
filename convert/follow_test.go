package convert_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hawkes-toolkit/hawkes/convert"
)

// TestFollow appends lines to a file while a Reader follows it, and checks
// that each is read, then that cancelling stops the run.
func TestFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feed.jsonl")
	w, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan convert.Event, 10)
	done := make(chan error, 1)
	b := convert.NewBuilder(convert.Options{}, false)
	r := convert.NewReader(convert.TwitterV1, b, convert.Options{})
	go func() {
		done <- r.Run(ctx, convert.Input{Name: path, R: convert.Follow(ctx, f, 5*time.Millisecond)}, func(e convert.Event) error {
			got <- e
			return nil
		})
	}()
	lines := []string{
		`{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"1"}` + "\n",
		`{"created_at":"Sat Nov 18 08:00:07 +0000 2017","id_str":"2",`, // half a line: nothing yet
		`"retweeted_status":{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"1"}}` + "\n",
	}
	want := []float64{1510992000, 1510992007}
	for i, l := range lines {
		if _, err := w.WriteString(l); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			select {
			case e := <-got:
				t.Fatalf("an event %+v from half a line", e)
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		select {
		case e := <-got:
			if e.At != want[0] {
				t.Fatalf("event %+v, want one at %v", e, want[0])
			}
			want = want[1:]
		case <-time.After(10 * time.Second):
			t.Fatalf("line %d not read", i+1)
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("run ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not stop")
	}
}
