package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hawkes-toolkit/hawkes/pipeline"
)

// addCacheFlags adds --cache-dir and --no-cache to a command that fits a
// data set through pipeline.Cache, and resolves them into *dir ("" for no
// cache) before the command runs.
func addCacheFlags(cmd *cobra.Command, dir *string) {
	def := ""
	if d, err := os.UserCacheDir(); err == nil {
		def = filepath.Join(d, "hawkes")
	}
	var off bool
	f := cmd.Flags()
	f.StringVar(dir, "cache-dir", def, "keep the fits of each (data set, window, fit settings, program build) in `DIR`, so that a second run skips them")
	f.BoolVar(&off, "no-cache", false, "neither read nor write the fit cache")
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if off {
			*dir = ""
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}

// fitCache returns the fit cache in dir ("" for none). Its warnings (an
// entry refused and recomputed, an entry not stored) go to ios.ErrOut as
// "name: warning", whatever --quiet says: they are not a summary.
func fitCache(dir string, ios *ioStreams, name string) pipeline.Cache {
	return pipeline.Cache{Dir: dir, Warn: func(msg string) {
		fmt.Fprintf(ios.ErrOut, "%s: %s\n", name, msg)
	}}
}
