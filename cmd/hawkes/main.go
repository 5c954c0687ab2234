// Command hawkes fits a marked Hawkes process to retweet cascades and
// predicts their final size. Run "hawkes --help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills the process at once
	}()
	code := run(ctx, os.Args[1:], systemStreams())
	stop()
	os.Exit(code)
}
