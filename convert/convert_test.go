package convert_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/convert"
	"github.com/hawkes-toolkit/hawkes/data"
)

func openFixture(t *testing.T, name string) convert.Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return convert.Input{Name: name, R: bytes.NewReader(b)}
}

func cascade(id string, start float64, times, mags []float64) data.Cascade {
	return data.Cascade{ID: id, Start: start, HasStart: true, Times: times, Mags: mags}
}

// TestConvertFixtures converts the fixtures written from the documented
// schemas (testdata/README.md); the expected cascades are worked out by
// hand from the lines, with the rules of the package doc.
func TestConvertFixtures(t *testing.T) {
	followers, err := convert.ReadFollowers(strings.NewReader("account,followers\ndid:plc:aaa,500\ndid:plc:bbb,40\n"), "followers.csv")
	if err != nil {
		t.Fatal(err)
	}
	const v2 = "150000000000000000"
	cases := []struct {
		name    string
		format  convert.Format
		file    string
		o       convert.Options
		want    []data.Cascade
		summary convert.Summary
	}{
		{
			name: "twitter-v2", format: convert.TwitterV2, file: "twitter-v2/twarc2.jsonl",
			want: []data.Cascade{
				// 1500000000000000100: posted 11:00 by user 15 (7 followers), retweeted at 12:05 and 12:06.
				cascade(v2[:16]+"100", 1646132400, []float64{0, 3900, 3960}, []float64{7, 5, 3}),
				// ...001: posted 12:00 (its own line: 1000 followers), retweeted at +30 s and +60 s; the duplicate once.
				cascade(v2+"1", 1646136000, []float64{0, 30, 60}, []float64{1000, 50, 20}),
				cascade(v2+"4", 1646136120, []float64{0}, []float64{50}), // the reply
				cascade(v2+"5", 1646136180, []float64{0}, []float64{20}), // the quote
				// ...200: not expanded: starts at its retweet, magnitudes by default.
				cascade(v2[:16]+"200", 1646136420, []float64{0, 0}, []float64{1, 1}),
			},
			summary: convert.Summary{Lines: 8, Posts: 3, Replies: 1, Quotes: 1, Reposts: 5, Duplicates: 1, Deletes: 1,
				Skipped: map[string]int{"error response": 1}, OriginTimeFallback: 1, DefaultMagnitudes: 2,
				Cascades: 5, Written: 5, Sizes: map[int]int{1: 2, 2: 1, 3: 2}},
		},
		{
			name: "bluesky", format: convert.Bluesky, file: "bluesky/jetstream.jsonl", o: convert.Options{Followers: followers},
			want: []data.Cascade{
				// ddd's post, never seen: its time from its TID (an hour before t0), reposted at t0+20 s.
				cascade("at://did:plc:ddd/app.bsky.feed.post/3l3qkpmfvo22b", 1725907562, []float64{0, 3620}, []float64{1, 1}),
				// aaa's post at t0 (500 followers from the file), reposted by bbb (40) at +10 s.
				cascade("at://did:plc:aaa/app.bsky.feed.post/3l3qo2vn6o22b", 1725911162, []float64{0, 10}, []float64{500, 40}),
				cascade("at://did:plc:ccc/app.bsky.feed.post/3l3qo3sapk223", 1725911192, []float64{0}, []float64{1}),  // the reply
				cascade("at://did:plc:bbb/app.bsky.feed.post/3l3qo43rv6224", 1725911202, []float64{0}, []float64{40}), // the quote
				// A record key that is no TID: starts at its first repost.
				cascade("at://did:web:example.com/app.bsky.feed.post/self", 1725911212, []float64{0, 0}, []float64{1, 1}),
			},
			summary: convert.Summary{Lines: 11, Posts: 3, Replies: 1, Quotes: 1, Reposts: 3, Duplicates: 1, Deletes: 1,
				Skipped:            map[string]int{"commit of app.bsky.feed.like": 1, "identity event": 1, "account event": 1},
				OriginTimeFallback: 1, DefaultMagnitudes: 5, Cascades: 5, Written: 5, Sizes: map[int]int{1: 2, 2: 3}},
		},
		{
			name: "bluesky min-size 2", format: convert.Bluesky, file: "bluesky/jetstream.jsonl",
			o: convert.Options{MinSize: 2, DefaultMagnitude: 3},
			want: []data.Cascade{
				cascade("at://did:plc:ddd/app.bsky.feed.post/3l3qkpmfvo22b", 1725907562, []float64{0, 3620}, []float64{3, 3}),
				cascade("at://did:plc:aaa/app.bsky.feed.post/3l3qo2vn6o22b", 1725911162, []float64{0, 10}, []float64{3, 3}),
				cascade("at://did:web:example.com/app.bsky.feed.post/self", 1725911212, []float64{0, 0}, []float64{3, 3}),
			},
			summary: convert.Summary{Lines: 11, Posts: 3, Replies: 1, Quotes: 1, Reposts: 3, Duplicates: 1, Deletes: 1,
				Skipped:            map[string]int{"commit of app.bsky.feed.like": 1, "identity event": 1, "account event": 1},
				OriginTimeFallback: 1, DefaultMagnitudes: 8, Cascades: 5, Written: 3, Sizes: map[int]int{2: 3}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, sum, err := convert.Convert(context.Background(), tc.format, []convert.Input{openFixture(t, tc.file)}, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cs, tc.want) {
				t.Errorf("cascades:\n got %+v\nwant %+v", cs, tc.want)
			}
			if !reflect.DeepEqual(sum, tc.summary) {
				t.Errorf("summary:\n got %+v\nwant %+v", sum, tc.summary)
			}
		})
	}
}

// Hostile: malformed JSON lines in a feed -> counted, reported with file and line, the run goes on (exit 3 with --strict)
func TestConvertMalformed(t *testing.T) {
	good := `{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"1","user":{"followers_count":5}}`
	lines := []string{
		good,
		`{"created_at":"Sat Nov 18 08:00:00 +0000 2017"`, // 2: cut
		`not json`, // 3
		``,         // 4: blank, skipped
		`{"created_at":"yesterday","id_str":"2"}`, // 5: bad time
		`{"id_str":"3"}`,        // 6: no time
		`{"limit":{"track":5}}`, // 7: a notice, skipped
		`{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"4","user":{"followers_count":-1}}`,     // 8
		`{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"5\n"}`,                                 // 9: id with a line break
		`{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"6","user":{"followers_count":"many"}}`, // 10
		`[1,2]`, // 11
		good,    // 12: a duplicate
	}
	in := strings.Join(lines, "\n")
	var reported []int
	o := convert.Options{Report: func(e *convert.LineError) {
		if e.File != "feed" {
			t.Errorf("reported file %q", e.File)
		}
		reported = append(reported, e.Line)
	}}
	cs, sum, err := convert.Convert(context.Background(), convert.TwitterV1, []convert.Input{{Name: "feed", R: strings.NewReader(in)}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 3, 5, 6, 8, 9, 10, 11}; !reflect.DeepEqual(reported, want) {
		t.Errorf("reported lines %v, want %v", reported, want)
	}
	if sum.Malformed != 8 || sum.Lines != 12 || sum.Posts != 1 || sum.Duplicates != 1 || sum.Skipped["limit notice"] != 1 || len(cs) != 1 {
		t.Errorf("summary %+v, %d cascades", sum, len(cs))
	}

	o.Strict = true
	_, _, err = convert.Convert(context.Background(), convert.TwitterV1, []convert.Input{{Name: "feed", R: strings.NewReader(in)}}, o)
	var le *convert.LineError
	if !errors.As(err, &le) || le.Line != 2 || !errors.Is(err, convert.ErrMalformed) {
		t.Errorf("strict: got %v, want the error of line 2", err)
	}
}

// Hostile: a line longer than MaxLineBytes -> refused as malformed without being held, the next line read
func TestConvertLongLine(t *testing.T) {
	good := `{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"1","user":{"followers_count":5}}`
	long := `{"x":"` + strings.Repeat("a", convert.MaxLineBytes) + `"}`
	for _, end := range []string{"\n" + good + "\n", ""} {
		in := good[:len(good)-1] + `,"id_str":"0"}` + "\n" + long + end
		var reported []*convert.LineError
		_, sum, err := convert.Convert(context.Background(), convert.TwitterV1,
			[]convert.Input{{Name: "feed", R: strings.NewReader(in)}},
			convert.Options{Report: func(e *convert.LineError) { reported = append(reported, e) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(reported) != 1 || reported[0].Line != 2 || !errors.Is(reported[0], convert.ErrLineTooLong) {
			t.Fatalf("reported %v", reported)
		}
		wantPosts := 1
		if end != "" {
			wantPosts = 2
		}
		if sum.Posts != wantPosts || sum.Malformed != 1 {
			t.Errorf("summary %+v", sum)
		}
	}
}

func TestConvertGzipAndCRLF(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"1"}` + "\r\n" +
		`{"created_at":"Sat Nov 18 08:00:05 +0000 2017","id_str":"2","retweeted_status":{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"1"}}`))
	zw.Close()
	cs, sum, err := convert.Convert(context.Background(), convert.TwitterV1, []convert.Input{{Name: "gz", R: &buf}}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []data.Cascade{cascade("1", 1510992000, []float64{0, 5}, []float64{1, 1})}
	if !reflect.DeepEqual(cs, want) || sum.DefaultMagnitudes != 2 {
		t.Errorf("got %+v (%+v)", cs, sum)
	}
}

func TestTIDTime(t *testing.T) {
	cases := []struct {
		tid  string
		want float64
		ok   bool
	}{
		{"3l25zusnsfck2", 1724171495, true}, // @atcute/tid's example: 1724171495793000 µs
		{"3jzfcijpj2z2a", 1688137381, true}, // the atproto spec's example TID (decoded by the spec's layout in Python)
		{"2222222222222", 0, true},          // integer zero
		{"self", 0, false},
		{"3l25zusnsfck1", 0, false}, // '1' is not in the alphabet
		{"zl25zusnsfck2", 0, false}, // top bit set
	}
	for _, c := range cases {
		got, ok := convert.TIDTime(c.tid)
		if ok != c.ok || got != c.want {
			t.Errorf("TIDTime(%q) = %v, %v; want %v, %v", c.tid, got, ok, c.want, c.ok)
		}
	}
}

func TestReadFollowers(t *testing.T) {
	got, err := convert.ReadFollowers(strings.NewReader("did:plc:a, 5\n\"did:plc:b\",0\n"), "f")
	if err != nil || !reflect.DeepEqual(got, map[string]float64{"did:plc:a": 5, "did:plc:b": 0}) {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"a,1\na,2\n", "a,1\nb,-1\n", "a,1\nb,x\n", "a,1,2\n", ",3\n"} {
		if _, err := convert.ReadFollowers(strings.NewReader(bad), "f"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range convert.Formats {
		if g, err := convert.ParseFormat(string(f)); err != nil || g != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, g, err)
		}
	}
	if _, err := convert.ParseFormat("twitter"); !errors.Is(err, convert.ErrFormat) {
		t.Errorf("ParseFormat(twitter): %v", err)
	}
}

// Hostile: a gzip input cut short or with a flipped byte -> the lines before it converted, the damage reported as a malformed line with its line number, the next input read (exit 3 with --strict)
func TestConvertCorruptGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for i := range 2000 {
		fmt.Fprintf(zw, `{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"%d"}`+"\n", i)
	}
	zw.Close()
	whole := buf.Bytes()
	flipped := bytes.Clone(whole)
	flipped[len(flipped)/2] ^= 0xff
	next := `{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"next"}`
	header := bytes.Clone(whole[:40])
	header[3] = 0xff // reserved flag bits: gzip.ErrHeader
	for name, b := range map[string][]byte{"cut": whole[:len(whole)/2], "flipped": flipped, "bad header": header} {
		t.Run(name, func(t *testing.T) {
			var reported []*convert.LineError
			cs, sum, err := convert.Convert(context.Background(), convert.TwitterV1,
				[]convert.Input{{Name: "a.gz", R: bytes.NewReader(b)}, {Name: "b", R: strings.NewReader(next)}},
				convert.Options{Report: func(e *convert.LineError) { reported = append(reported, e) }})
			if err != nil {
				t.Fatal(err)
			}
			// A flipped byte may inflate to junk lines (malformed too)
			// before the checksum fails at the end.
			last := reported[len(reported)-1]
			if last.File != "a.gz" || !strings.Contains(last.Error(), "corrupt input") {
				t.Fatalf("%d reported, the last %v", len(reported), last)
			}
			if sum.Malformed != len(reported) || sum.Posts >= 2001 || cs[len(cs)-1].ID != "next" {
				t.Errorf("summary %+v", sum)
			}
			_, _, err = convert.Convert(context.Background(), convert.TwitterV1,
				[]convert.Input{{Name: "a.gz", R: bytes.NewReader(b)}}, convert.Options{Strict: true})
			if !errors.Is(err, convert.ErrMalformed) {
				t.Errorf("strict: %v", err)
			}
		})
	}
}
