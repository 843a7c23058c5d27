package pipelines

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

// progressInterval is how often the progress line is redrawn.
const progressInterval = 250 * time.Millisecond

// startProgress draws a one-line progress display on w until the returned
// function is called, which draws the final state and ends the line.
func (p *Pipeline) startProgress(w io.Writer, c *counters) (stop func()) {
	if w == nil {
		return func() {}
	}
	prog, _ := p.source.(extract.Progresser)
	start := time.Now()
	draw := func() {
		read := c.read.Load()
		el := time.Since(start).Seconds()
		rate := 0.0
		if el > 0 {
			rate = float64(read) / el
		}
		line := fmt.Sprintf("%s rows  %s rows/s  %s rejected", xcetl.GroupDigits(read), xcetl.GroupDigits(int64(rate)), xcetl.GroupDigits(c.rejected.Load()))
		if prog != nil {
			done, total := prog.Progress()
			if total > 0 {
				frac := float64(done) / float64(total)
				if frac > 1 {
					frac = 1
				}
				const width = 24
				n := int(frac * width)
				bar := strings.Repeat("█", n) + strings.Repeat("░", width-n)
				eta := ""
				if frac > 0.01 && frac < 1 {
					eta = fmt.Sprintf("  ETA %s", time.Duration(math.Ceil(el/frac*(1-frac)))*time.Second)
				}
				line = fmt.Sprintf("%s %3.0f%%  %s%s", bar, frac*100, line, eta)
			}
		}
		fmt.Fprintf(w, "\r\033[K%s %s", p.spec.Name, line)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				draw()
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		draw()
		fmt.Fprintln(w)
	}
}
