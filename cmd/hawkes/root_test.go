package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
)

func TestExitCode(t *testing.T) {
	parseErr := &data.ParseError{File: "data.csv", Line: 3, Column: "time", Err: data.ErrNotNumber}
	_, notFound := os.Open(filepath.Join(t.TempDir(), "missing"))
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitOK},
		{"runtime", errors.New("boom"), exitError},
		{"flag", flagErrorf("--window must be positive"), exitUsage},
		{"wrapped flag", fmt.Errorf("x: %w", flagErrorf("y")), exitUsage},
		{"parse error", parseErr, exitBadInput},
		{"wrapped parse error", fmt.Errorf("load: %w", parseErr), exitBadInput},
		{"file not found", notFound, exitBadInput},
		{"wrapped not found", fmt.Errorf("load cascades: %w", fs.ErrNotExist), exitBadInput},
		{"canceled", context.Canceled, exitInterrupted},
		{"wrapped canceled", fmt.Errorf("fit cascade 3: %w", context.Canceled), exitInterrupted},
		{"canceled beats bad input", errors.Join(parseErr, context.Canceled), exitInterrupted},
		{"deadline is a failure", context.DeadlineExceeded, exitError},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestRootCommandLine(t *testing.T) {
	tests := []struct {
		name       string
		argv       []string
		wantCode   int
		wantOut    string // substring of stdout
		wantErrOut string // substring of stderr
	}{
		{"no arguments shows help", nil, exitOK, "Exit codes:", ""},
		{"help flag", []string{"--help"}, exitOK, "Examples:", ""},
		{"fit help", []string{"fit", "--help"}, exitOK, "hawkes fit --data", ""},
		{"simulate help", []string{"help", "simulate"}, exitOK, "hawkes simulate --out", ""},
		{"unknown command", []string{"fti"}, exitUsage, "", `hawkes: unknown command "fti" for "hawkes"; did you mean fit?`},
		{"unknown root flag", []string{"--verbose"}, exitUsage, "", "hawkes: unknown flag: --verbose"},
		{"missing data set", []string{"fit", "--data", filepath.Join(t.TempDir(), "none"), "--window", "60"}, exitBadInput, "", "hawkes: "},
		{"missing magnitudes", []string{"simulate", "--out", t.TempDir(), "--mags", filepath.Join(t.TempDir(), "none")}, exitBadInput, "", "hawkes: --mags: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, stdout, stderr := testStreams()
			code := run(context.Background(), tt.argv, ios)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout %q does not hold %q", stdout, tt.wantOut)
			}
			if !strings.Contains(stderr.String(), tt.wantErrOut) {
				t.Errorf("stderr %q does not hold %q", stderr, tt.wantErrOut)
			}
			if tt.wantCode != exitOK && strings.Count(stderr.String(), "hawkes: ") != 1 {
				t.Errorf("stderr %q: want the error printed exactly once", stderr)
			}
		})
	}
}

// TestEveryCommandHasExamples checks the help of the root and of every
// subcommand written here.
func TestEveryCommandHasExamples(t *testing.T) {
	ios, _, _ := testStreams()
	root := newRootCmd(ios)
	if root.Example == "" {
		t.Error("root command has no examples")
	}
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue // cobra's own
		}
		if c.Example == "" {
			t.Errorf("command %s has no examples", c.Name())
		}
	}
}
