package change

import "bytes"

// Collapse returns the events to apply, in their original order, keeping
// for each (table, key) only the event with the highest position (the later
// one on a tie, and an event without a position counts as later), and the
// number of events it dropped. A truncate is a barrier: events of its
// table before it are never merged with events after it. events is
// reordered in place; the result shares its backing array.
func Collapse(events []Event) ([]Event, int) {
	if len(events) < 2 {
		return events, 0
	}
	best := make(map[string]int, len(events))
	keep := make([]bool, len(events))
	collapsed := 0
	var kb []byte
	for i := range events {
		e := &events[i]
		if e.Op == Truncate {
			for k := range best {
				if tableOfKey(k) == e.Table {
					delete(best, k)
				}
			}
			keep[i] = true
			continue
		}
		kb = append(kb[:0], e.Table...)
		kb = append(kb, 0)
		kb = AppendKeyText(kb, e.Key)
		prev, ok := best[string(kb)]
		if !ok {
			best[string(kb)] = i
			keep[i] = true
			continue
		}
		collapsed++
		p := events[prev].Position
		if e.Position == nil || p == nil || bytes.Compare(e.Position, p) >= 0 {
			keep[prev] = false
			keep[i] = true
			best[string(kb)] = i
		}
	}
	n := 0
	for i := range events {
		if keep[i] {
			events[n] = events[i]
			n++
		}
	}
	clear(events[n:])
	return events[:n], collapsed
}

func tableOfKey(k string) string {
	if i := bytes.IndexByte([]byte(k), 0); i >= 0 {
		return k[:i]
	}
	return k
}
