package main

import (
	"bytes"
	"context"
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
