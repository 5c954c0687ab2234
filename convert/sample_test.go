package convert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/convert"
	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/golden"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
)

// sampleLines returns the first n lines of the real twitter_sample_v1
// file, all of them for n < 0.
func sampleLines(t testing.TB, n int) [][]byte {
	t.Helper()
	return shared.GzipLines(t, shared.TwitterSample, n)
}

// independent counts the sample as the package doc's rules say, with
// generic JSON and none of the package's code: every status id once,
// retweets grouped by retweeted_status.id_str, a cascade per original
// (a status that is not a retweet, or a retweeted status).
type independent struct {
	lines, retweetLines, retweets, posts, replies, quotes, dups, deletes int
	retweeted, cascades                                                  int
	sizes                                                                map[int]int
}

func countIndependently(t *testing.T, lines [][]byte) independent {
	var c independent
	seen := map[string]bool{}
	size := map[string]int{}
	rtd := map[string]int{} // retweets per retweeted id
	for _, l := range lines {
		c.lines++
		var o map[string]any
		if err := json.Unmarshal(l, &o); err != nil {
			t.Fatalf("the sample has a line that is not JSON: %v", err)
		}
		if _, ok := o["delete"]; ok {
			c.deletes++
			continue
		}
		id := o["id_str"].(string)
		rt, isRT := o["retweeted_status"].(map[string]any)
		if isRT {
			c.retweetLines++
		}
		if seen[id] {
			c.dups++
			continue
		}
		seen[id] = true
		if isRT {
			c.retweets++
			oid := rt["id_str"].(string)
			if rtd[oid] == 0 {
				c.retweeted++
			}
			rtd[oid]++
			if size[oid] == 0 {
				size[oid] = 1
			}
			size[oid]++
			continue
		}
		c.posts++
		if r, ok := o["in_reply_to_status_id_str"].(string); ok && r != "" {
			c.replies++
		}
		if q, _ := o["is_quote_status"].(bool); q {
			c.quotes++
		}
		if size[id] == 0 {
			size[id] = 1
		}
	}
	c.sizes = map[int]int{}
	for _, n := range size {
		c.sizes[n]++
	}
	c.cascades = len(size)
	return c
}

// TestConvertSampleCounts checks the counts of a conversion of the real
// sample against countIndependently: on the whole file, or on its first
// 5000 lines under -short (decoding 21,800 lines twice takes half a
// minute under -race on a busy machine).
func TestConvertSampleCounts(t *testing.T) {
	whole := !testing.Short()
	n := -1
	if !whole {
		n = 5000
	}
	lines := sampleLines(t, n)
	want := countIndependently(t, lines)
	in := convert.Input{Name: "statuses.jsonl", R: bytes.NewReader(bytes.Join(append(lines, nil), []byte("\n")))}
	cs, sum, err := convert.Convert(context.Background(), convert.TwitterV1, []convert.Input{in}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("summary: %s", sum.String())
	t.Logf("independent: %+v", want)
	checks := []struct {
		name      string
		got, want int
	}{
		{"lines", sum.Lines, want.lines},
		{"malformed", sum.Malformed, 0},
		{"posts", sum.Posts, want.posts},
		{"replies", sum.Replies, want.replies},
		{"quotes", sum.Quotes, want.quotes},
		{"reposts", sum.Reposts, want.retweets},
		{"duplicates", sum.Duplicates, want.dups},
		{"deletes", sum.Deletes, want.deletes},
		{"cascades", sum.Cascades, want.cascades},
		{"written", len(cs), want.cascades},
		{"clamped", sum.Clamped, 0},
		{"default magnitudes", sum.DefaultMagnitudes, 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	for n, k := range want.sizes {
		if sum.Sizes[n] != k {
			t.Errorf("cascades of size %d: got %d, want %d", n, sum.Sizes[n], k)
		}
	}
	if len(sum.Sizes) != len(want.sizes) {
		t.Errorf("sizes: got %v, want %v", sum.Sizes, want.sizes)
	}
	// The shared data README's figures for the file: 9,171 retweets
	// (delivered, duplicates included) of 8,122 originals, the most
	// retweeted 14 times, 2,552 delete notices. (Its 24,619 statuses are
	// not in the file: it has 21,800 lines, 19,248 of them statuses.)
	if whole && (want.retweetLines != 9171 || want.retweeted != 8122 || want.deletes != 2552) {
		t.Errorf("the sample has %d retweets of %d originals and %d delete notices, the data README says 9171, 8122 and 2552",
			want.retweetLines, want.retweeted, want.deletes)
	}
	largest := 0
	for n := range want.sizes {
		largest = max(largest, n)
	}
	if whole && largest != 15 {
		t.Errorf("largest cascade %d events, want 15 (14 retweets and the original)", largest)
	}
	// Every written cascade passes the data package's checks and reads
	// back as written.
	dir := t.TempDir()
	if err := data.WriteDirOptions(dir, cs, data.WriteOptions{StartSeconds: true}); err != nil {
		t.Fatal(err)
	}
	back, err := data.LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(cs) || back[0].Start != cs[0].Start || !back[0].HasStart {
		t.Errorf("read back %d cascades (first start %v), wrote %d (first start %v)", len(back), back[0].Start, len(cs), cs[0].Start)
	}
}

// TestConvertSampleGolden converts the first 3000 lines of the sample
// with --min-size 2 and compares the two files with testdata/sample3000
// (go test ./convert -run Golden -update rewrites them).
func TestConvertSampleGolden(t *testing.T) {
	lines := sampleLines(t, 3000)
	in := convert.Input{Name: "slice", R: strings.NewReader(string(bytes.Join(lines, []byte("\n"))))}
	cs, sum, err := convert.Convert(context.Background(), convert.TwitterV1, []convert.Input{in}, convert.Options{MinSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	var dw, iw bytes.Buffer
	wo := data.WriteOptions{StartSeconds: true}
	if err := wo.Write(&dw, &iw, cs); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "sample3000", "data.csv"), dw.Bytes())
	golden.Check(t, filepath.Join("testdata", "sample3000", "index.csv"), iw.Bytes())
	js, _ := json.MarshalIndent(sum, "", "  ")
	golden.Check(t, filepath.Join("testdata", "sample3000", "summary.json"), append(js, '\n'))
}
