package presence

import (
	"time"

	"golang.org/x/time/rate"
)

// quiet lets the first of a kind of log line through, then at most one a
// minute, and counts the ones it held back so that the next line can say
// how many there were: a Lanyard that sends nothing but garbage, or hangs
// up on every connection, costs the log a line a minute. The metrics
// count every one.
type quiet struct {
	sometimes *rate.Sometimes
	held      int
}

func newQuiet() quiet { return quiet{sometimes: &rate.Sometimes{Interval: time.Minute}} }

// log calls line, with how many lines were held back since the last one,
// if a line is due. Not safe for use by several goroutines.
func (q *quiet) log(line func(held int)) {
	logged := false
	q.sometimes.Do(func() {
		line(q.held)
		logged = true
	})
	if logged {
		q.held = 0
	} else {
		q.held++
	}
}
