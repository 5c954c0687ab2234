package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
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
