package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/cobra"
)

// testStreams returns streams writing into buffers, not a terminal.
func testStreams() (ios *ioStreams, stdout, stderr *bytes.Buffer) {
	stdout, stderr = new(bytes.Buffer), new(bytes.Buffer)
	return &ioStreams{Out: stdout, ErrOut: stderr}, stdout, stderr
}

// execSub runs sub under a bare root command with argv (the subcommand's
// name first) and returns the exit code and what was written to stderr.
func execSub(t *testing.T, ios *ioStreams, sub *cobra.Command, argv ...string) int {
	t.Helper()
	root := newBareRootCmd(ios)
	root.AddCommand(sub)
	return execute(context.Background(), root, argv, ios)
}

// testCacheDir is the fit cache of the commands under test: TestMain points
// the user cache folder (XDG_CACHE_HOME) at a temporary one, so that the
// tests neither read nor fill the real cache.
var testCacheDir string

// userCacheDir is the user's cache folder before TestMain's override
// (empty when there is none), where scripts/kafka-cluster.sh keeps Kafka's
// jars.
var userCacheDir string

// execEnv, set to 1 in the environment of this test binary, makes it run
// as hawkes: TestMain runs the command line of its arguments instead of the
// tests, so that tests can start hawkes processes (startChild) without
// building the command.
const execEnv = "HAWKES_TEST_EXEC"

func TestMain(m *testing.M) {
	if os.Getenv(execEnv) == "1" {
		// As main does.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		go func() {
			<-ctx.Done()
			stop()
		}()
		code := run(ctx, os.Args[1:], systemStreams())
		stop()
		os.Exit(code)
	}
	tmp, err := os.MkdirTemp("", "hawkes-cmd-test-")
	if err != nil {
		panic(err)
	}
	userCacheDir, _ = os.UserCacheDir() // before the override, for scripts/kafka-cluster.sh
	os.Setenv("XDG_CACHE_HOME", tmp)
	testCacheDir = filepath.Join(tmp, "hawkes")
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// parseFlags builds a subcommand with newCmd and a runF that only records
// its options, runs it with argv under a bare root (name first), and checks
// the outcome: with wantErr set, a usage error (exit code 2) whose message
// holds wantErr and the usage, and no run; else success. It returns the
// options the command would have run with, with IO cleared, or nil after a
// usage error.
func parseFlags[O any](t *testing.T, name string, newCmd func(*ioStreams, func(context.Context, *O) error) *cobra.Command, argv []string, wantErr string) *O {
	t.Helper()
	ios, _, stderr := testStreams()
	var got *O
	cmd := newCmd(ios, func(ctx context.Context, o *O) error {
		got = o
		return nil
	})
	code := execSub(t, ios, cmd, append([]string{name}, argv...)...)
	if wantErr != "" {
		if code != exitUsage {
			t.Errorf("exit code %d, want %d", code, exitUsage)
		}
		if got != nil {
			t.Errorf("the command ran despite the usage error")
		}
		if msg := stderr.String(); !strings.Contains(msg, wantErr) || !strings.Contains(msg, "Usage:") {
			t.Errorf("stderr %q does not hold %q and the usage", msg, wantErr)
		}
		return nil
	}
	if code != exitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	if got == nil {
		t.Fatal("the command did not run")
	}
	// Every options struct has the streams as its IO field.
	reflect.ValueOf(got).Elem().FieldByName("IO").SetZero()
	return got
}

// flagCase is one row of a command's table of flags: argv gives the
// options want, or a usage error holding wantErr when it is not "".
type flagCase[O any] struct {
	name    string
	argv    []string
	want    O
	wantErr string
}

// testFlags runs the command name (made by newCmd) on each case's argv and
// checks the options it would run with (IO aside) or its usage error.
func testFlags[O any](t *testing.T, name string, newCmd func(*ioStreams, func(context.Context, *O) error) *cobra.Command, tests []flagCase[O]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseFlags(t, name, newCmd, tt.argv, tt.wantErr)
			if got != nil && !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

// failing returns a maker of the command newCmd whose run fails with
// "boom".
func failing[O any](newCmd func(*ioStreams, func(context.Context, *O) error) *cobra.Command) func(*ioStreams) *cobra.Command {
	return func(ios *ioStreams) *cobra.Command {
		return newCmd(ios, func(context.Context, *O) error { return errors.New("boom") })
	}
}

// TestRuntimeErrorNoUsage checks, for every batch command, that an error of
// the work itself, once the flags passed, is printed once without the
// usage and exits with exitError.
func TestRuntimeErrorNoUsage(t *testing.T) {
	tests := []struct {
		name string
		cmd  func(*ioStreams) *cobra.Command
		argv []string
	}{
		{"fit", failing(newFitCmd), []string{"--data", "d", "--window", "1"}},
		{"features", failing(newFeaturesCmd), []string{"--data", "d", "--window", "1"}},
		{"train", failing(newTrainCmd), []string{"--data", "d", "--window", "1", "--model", "m"}},
		{"evaluate", failing(newEvaluateCmd), []string{"--data", "d", "--window", "1"}},
		{"predict", failing(newPredictCmd), []string{"--data", "d", "--window", "1", "--model", "m"}},
		{"diagnose", failing(newDiagnoseCmd), []string{"--data", "d", "--window", "1"}},
		{"plot", failing(newPlotCmd), []string{"--data", "d", "--id", "7", "--window", "1"}},
		{"simulate", failing(newSimulateCmd), []string{"--out", "o"}},
		{"convert", failing(newConvertCmd), []string{"--from", "twitter-v1", "--out", "o", "-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, stderr := testStreams()
			if code := execSub(t, ios, tt.cmd(ios), append([]string{tt.name}, tt.argv...)...); code != exitError {
				t.Errorf("exit code %d, want %d", code, exitError)
			}
			if got, want := stderr.String(), "hawkes: boom\n"; got != want {
				t.Errorf("stderr %q, want %q", got, want)
			}
		})
	}
}
