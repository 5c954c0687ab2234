package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
)

func TestConvertFlags(t *testing.T) {
	cases := []struct {
		argv    []string
		wantErr string
		inputs  []string
		minSize int
	}{
		{[]string{"--from", "twitter-v1", "--out", "d", "a.jsonl", "b.gz"}, "", []string{"a.jsonl", "b.gz"}, 1},
		{[]string{"--from", "bluesky", "--out", "d", "--min-size", "5", "-"}, "", []string{"-"}, 5},
		{[]string{"--from", "twitter-v2", "--out", "d"}, "", nil, 1},
		{[]string{"--out", "d"}, "--from not set", nil, 0},
		{[]string{"--from", "twitter", "--out", "d"}, `unknown format "twitter"`, nil, 0},
		{[]string{"--from", "bluesky"}, "--out not set", nil, 0},
		{[]string{"--from", "bluesky", "--out", "d", "-", "-"}, "given twice", nil, 0},
		{[]string{"--from", "bluesky", "--out", "d", "--min-size", "0"}, "--min-size 0", nil, 0},
		{[]string{"--from", "bluesky", "--out", "d", "--default-magnitude", "-1"}, "default magnitude", nil, 0},
	}
	for _, c := range cases {
		got := parseFlags(t, "convert", newConvertCmd, c.argv, c.wantErr)
		if got == nil {
			continue
		}
		if strings.Join(got.Inputs, ",") != strings.Join(c.inputs, ",") || got.Convert.MinSize != c.minSize {
			t.Errorf("%v: inputs %v, min size %d", c.argv, got.Inputs, got.Convert.MinSize)
		}
	}
}

func TestConvertCommand(t *testing.T) {
	fixture := filepath.Join("..", "..", "convert", "testdata", "bluesky", "jetstream.jsonl")
	followers := filepath.Join("..", "..", "convert", "testdata", "bluesky", "followers.csv")
	out := filepath.Join(t.TempDir(), "bsky")
	ios, _, stderr := testStreams()
	code := run(context.Background(), []string{"convert", "--from", "bluesky", "--followers", followers, "--min-size", "2", "--out", out, fixture}, ios)
	if code != exitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	cs, err := data.LoadDir(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || cs[1].ID != "at://did:plc:aaa/app.bsky.feed.post/3l3qo2vn6o22b" || cs[1].Start != 1725911162 || cs[1].Mags[0] != 500 {
		t.Errorf("read back %+v", cs)
	}
	for _, want := range []string{"lines 11", "posts 3", "reposts 3", "duplicates 1", "skipped 3 (account event 1, commit of app.bsky.feed.like 1, identity event 1)", "written 3"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("summary %q lacks %q", stderr, want)
		}
	}

	// Standard input, and an old index is still what hawkes fit reads
	// (post_time is one of its start columns).
	ios, _, stderr = testStreams()
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ios.In = f
	if code := run(context.Background(), []string{"convert", "--from", "bluesky", "--out", out, "-"}, ios); code != exitOK {
		t.Fatalf("stdin: exit code %d: %s", code, stderr)
	}
	idx, _ := os.ReadFile(filepath.Join(out, "index.csv"))
	if !strings.HasPrefix(string(idx), "id,post_time,start_ind,end_ind\n") {
		t.Errorf("index %q", idx)
	}
}

// Hostile: a malformed line in hawkes convert's input -> reported with its line number and skipped; with --strict exit 3
func TestConvertBadInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	os.WriteFile(in, []byte(`{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id_str":"1"}`+"\n{oops\n"), 0o644)
	out := filepath.Join(dir, "out")
	ios, _, stderr := testStreams()
	if code := run(context.Background(), []string{"convert", "--from", "twitter-v1", "--out", out, in}, ios); code != exitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "in.jsonl line 2: not a JSON object") || !strings.Contains(stderr.String(), "malformed 1") {
		t.Errorf("stderr %q", stderr)
	}
	ios, _, stderr = testStreams()
	if code := run(context.Background(), []string{"convert", "--from", "twitter-v1", "--strict", "--out", filepath.Join(dir, "strict"), in}, ios); code != exitBadInput {
		t.Errorf("--strict: exit code %d, want %d: %s", code, exitBadInput, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "strict")); !os.IsNotExist(err) {
		t.Errorf("--strict left an output: %v", err)
	}
	ios, _, stderr = testStreams()
	if code := run(context.Background(), []string{"convert", "--from", "twitter-v1", "--out", out, filepath.Join(dir, "none")}, ios); code != exitBadInput {
		t.Errorf("missing input: exit code %d: %s", code, stderr)
	}
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	ios, _, stderr = testStreams()
	if code := run(context.Background(), []string{"convert", "--from", "twitter-v1", "--out", filepath.Join(dir, "file", "x"), in}, ios); code != exitOutput {
		t.Errorf("unwritable output: exit code %d: %s", code, stderr)
	}
}
