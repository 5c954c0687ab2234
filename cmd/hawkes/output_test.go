package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Hostile: an output path that cannot be written (a folder, a missing folder, a file's path as folder) for features --out, train --model, evaluate --plot or simulate --out -> exit 4 naming the path, before any data is read, and nothing written
//
// --data names a folder that does not exist, which would exit with
// exitBadInput: exitOutput and the output path's message show that the
// output was checked first.
func TestHostileOutputPaths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	folder := filepath.Join(dir, "folder.png")
	if err := os.Mkdir(folder, 0o777); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	writeFile(t, file, "keep")
	missing := filepath.Join(dir, "missing")
	underFile := filepath.Join(file, "x.png")
	inMissing := filepath.Join(missing, "x.png")
	for _, tt := range []struct {
		name string
		argv []string
		want string
	}{
		{"features --out a folder", []string{"features", "--data", missing, "--window", "60", "--out", folder}, "write " + folder + ": is a directory"},
		{"features --out in a missing folder", []string{"features", "--data", missing, "--window", "60", "--out", inMissing}, "write " + inMissing + ": no such file or directory"},
		{"features --out under a file", []string{"features", "--data", missing, "--window", "60", "--out", underFile}, "write " + underFile + ": not a directory"},
		{"train --model a folder", []string{"train", "--data", missing, "--window", "60", "--model", folder}, "write " + folder + ": is a directory"},
		{"train --model in a missing folder", []string{"train", "--data", missing, "--window", "60", "--model", inMissing}, "write " + inMissing + ": no such file or directory"},
		{"evaluate --plot a folder", []string{"evaluate", "--data", missing, "--window", "60", "--plot=" + folder}, "write " + folder + ": is a directory"},
		{"evaluate --plot in a missing folder", []string{"evaluate", "--data", missing, "--window", "60", "--plot=" + inMissing}, "write " + inMissing + ": no such file or directory"},
		{"simulate --out a file", []string{"simulate", "--out", file}, "write " + file + ": not a directory"},
		{"simulate --out under a file", []string{"simulate", "--out", underFile}, "write " + underFile + ": not a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runArgv(t, ctx, tt.argv...)
			if code != exitOutput || stdout != "" || stderr != "hawkes: "+tt.want+"\n" {
				t.Errorf("exit code %d, stdout %q, stderr %q; want %d and %q", code, stdout, stderr, exitOutput, tt.want)
			}
		})
	}
	if got, _ := os.ReadFile(file); string(got) != "keep" {
		t.Errorf("the file given as --out holds %q", got)
	}
	if ents, _ := os.ReadDir(folder); len(ents) != 0 {
		t.Errorf("the folder given as output holds %d entries", len(ents))
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("the missing folder %s was created", missing)
	}
}

// Hostile: hawkes simulate --out DIR interrupted (cancelled context) over a previous set -> exit 130, the previous data.csv, index.csv and params.csv left whole, no temporary folder; a later run replaces all three together
//
// Other files in DIR stay.
func TestHostileSimulateInterrupted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.txt"), "mine")
	simulate := func(ctx context.Context, seed string) int {
		code, _, stderr := runArgv(t, ctx, "simulate", "--out", dir, "--cascades", "3", "--seed", seed, "--random", "--horizon", "3600", "-q")
		if code != exitOK && code != exitInterrupted {
			t.Fatalf("simulate: exit code %d, stderr %q", code, stderr)
		}
		return code
	}
	read := func() map[string]string {
		m := map[string]string{}
		for _, name := range simulatedFiles {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			m[name] = string(b)
		}
		return m
	}
	entries := func() []string {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, e := range ents {
			s = append(s, e.Name())
		}
		return s
	}
	want := []string{"data.csv", "index.csv", "notes.txt", "params.csv"}

	simulate(ctx, "1")
	first := read()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if code := simulate(cctx, "2"); code != exitInterrupted {
		t.Errorf("interrupted run: exit code %d, want %d", code, exitInterrupted)
	}
	if got := entries(); !slices.Equal(got, want) {
		t.Errorf("after an interrupted run the folder holds %v, want %v", got, want)
	}
	for name, s := range read() {
		if s != first[name] {
			t.Errorf("an interrupted run changed %s", name)
		}
	}
	simulate(ctx, "2")
	for name, s := range read() {
		if s == first[name] && name != "index.csv" { // 3 cascades of any size may index alike
			t.Errorf("a run with another seed left %s as it was", name)
		}
	}
	if got := entries(); !slices.Equal(got, want) {
		t.Errorf("the folder holds %v, want %v", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
		t.Errorf("notes.txt holds %q", b)
	}
}
