package cil

// The GDPR rules the register applies, as pure functions: DPIA screening
// (Art. 35), the time limit to answer a data subject (Art. 12(3)), the
// deadline to notify a breach to the CNIL (Art. 33(1)) and the difference
// between two revisions of a record (the register is kept up to date, Art.
// 30, and its history shows accountability, Art. 5(2)).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"communs/internal/calendar"
)

// DPIACriteria are the nine criteria of the EDPB guidelines on Data
// Protection Impact Assessment (WP248 rev.01, endorsed by the EDPB), which
// the CNIL applies: a processing that meets two or more of them is likely
// to result in a high risk (Art. 35(1)) and so to require a DPIA. In the
// CNIL's words:
//
//   - EVALUATION_SCORING: évaluation ou notation (scoring), y compris le
//     profilage et la prédiction;
//   - AUTOMATED_DECISION: décision automatique avec effet juridique ou effet
//     similaire significatif;
//   - SYSTEMATIC_MONITORING: surveillance systématique;
//   - SENSITIVE_DATA: données sensibles ou à caractère hautement personnel;
//   - LARGE_SCALE: données traitées à grande échelle;
//   - MATCHING_DATASETS: croisement ou combinaison d'ensembles de données;
//   - VULNERABLE_SUBJECTS: données concernant des personnes vulnérables
//     (patients, personnes âgées, enfants, personnes protégées…);
//   - INNOVATIVE_USE: usage innovant ou application de nouvelles solutions
//     technologiques ou organisationnelles;
//   - PREVENTS_RIGHT_OR_SERVICE: traitement qui empêche les personnes
//     d'exercer un droit ou de bénéficier d'un service ou d'un contrat
//     (exclusion du bénéfice d'un droit ou d'un contrat).
//
// In the social and medico-social sector, health data (SENSITIVE_DATA) of
// vulnerable people (VULNERABLE_SUBJECTS) already make two.
var DPIACriteria = []string{
	"EVALUATION_SCORING",
	"AUTOMATED_DECISION",
	"SYSTEMATIC_MONITORING",
	"SENSITIVE_DATA",
	"LARGE_SCALE",
	"MATCHING_DATASETS",
	"VULNERABLE_SUBJECTS",
	"INNOVATIVE_USE",
	"PREVENTS_RIGHT_OR_SERVICE",
}

// dpiaCriterionLabels are the French names of DPIACriteria, as the CNIL
// words them, for the printed register.
var dpiaCriterionLabels = map[string]string{
	"EVALUATION_SCORING":        "Évaluation ou notation (scoring), y compris le profilage",
	"AUTOMATED_DECISION":        "Décision automatique avec effet juridique ou effet similaire significatif",
	"SYSTEMATIC_MONITORING":     "Surveillance systématique",
	"SENSITIVE_DATA":            "Données sensibles ou à caractère hautement personnel",
	"LARGE_SCALE":               "Données traitées à grande échelle",
	"MATCHING_DATASETS":         "Croisement ou combinaison d’ensembles de données",
	"VULNERABLE_SUBJECTS":       "Personnes vulnérables",
	"INNOVATIVE_USE":            "Usage innovant ou nouvelle solution technologique ou organisationnelle",
	"PREVENTS_RIGHT_OR_SERVICE": "Exclusion du bénéfice d’un droit, d’un service ou d’un contrat",
}

// DPIACriterionLabel is the French name of a criterion of DPIACriteria, or
// the criterion itself when unknown.
func DPIACriterionLabel(c string) string {
	if s, ok := dpiaCriterionLabels[c]; ok {
		return s
	}
	return c
}

// CheckCriteria refuses a list of DPIA criteria with a criterion that is not
// one of DPIACriteria, or with a criterion given twice; the error names it.
// An empty list is valid: the processing meets none.
func CheckCriteria(criteria []string) error {
	seen := make(map[string]bool, len(criteria))
	for _, c := range criteria {
		if !slices.Contains(DPIACriteria, c) {
			return fmt.Errorf("unknown DPIA criterion %q: the criteria are %s", c, strings.Join(DPIACriteria, ", "))
		}
		if seen[c] {
			return fmt.Errorf("DPIA criterion %q is given twice", c)
		}
		seen[c] = true
	}
	return nil
}

// DPIARequired tells whether a DPIA is required (Art. 35(1)): the processing
// meets two or more distinct criteria of the EDPB guidelines (WP248), or it
// is of a type on the CNIL's list of processing operations for which a DPIA
// is required (Art. 35(4); CNIL deliberation no. 2018-327 of 11 October
// 2018). Meeting a single criterion may still call for a DPIA: that is the
// controller's assessment, recorded in the DPIA status and conclusion.
func DPIARequired(criteria []string, onCNILList bool) bool {
	if onCNILList {
		return true
	}
	distinct := map[string]bool{}
	for _, c := range criteria {
		distinct[c] = true
	}
	return len(distinct) >= 2
}

// DueOn is the day by which a data subject's request must be answered
// (Art. 12(3)): "without undue delay and in any event within one month of
// receipt of the request", a period that "may be extended by two further
// months where necessary" (extended), the person being told of the
// extension and its reasons within the first month.
//
// Months are calendar months counted from the day of receipt, as Regulation
// (EEC, Euratom) No 1182/71 counts periods (Art. 3(2)(c)): the period ends
// on the same date of the following month, or on the last day of that month
// when it has no such date (received on 31 January → due on 28 February, 29
// in a leap year). The extended limit is three months from receipt, not
// three successive one-month steps (31 January → 30 April, not 28 April).
// The day is not moved off week-ends and public holidays: answering earlier
// is always allowed.
//
// received is a calendar day, taken as given (like calendar.Day); the
// result is a calendar day at midnight UTC.
func DueOn(received time.Time, extended bool) time.Time {
	months := 1
	if extended {
		months = 3
	}
	return addMonthsClamped(calendar.Day(received), months)
}

// addMonthsClamped adds months to the calendar day day, keeping the day of
// the month unless the target month is shorter, then the month's last day
// (time.AddDate would overflow into the next month: 31 Jan + 1 month → 3
// March).
func addMonthsClamped(day time.Time, months int) time.Time {
	y, m, d := day.Date()
	firstOfTarget := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	lastDay := firstOfTarget.AddDate(0, 1, -1).Day()
	return time.Date(firstOfTarget.Year(), firstOfTarget.Month(), min(d, lastDay), 0, 0, 0, 0, time.UTC)
}

// BreachNotificationDelay is the time limit to notify a personal data breach
// to the supervisory authority, from when the controller became aware of it
// (Art. 33(1)).
const BreachNotificationDelay = 72 * time.Hour

// CheckBreachNotification checks the notification of a breach to the CNIL
// against Art. 33(1): the controller notifies "without undue delay and,
// where feasible, not later than 72 hours after having become aware of it"
// (detectedAt), and "where the notification … is not made within 72 hours,
// it shall be accompanied by reasons for the delay" (lateReason). A
// notification exactly 72 hours after detection is in time. A notification
// cannot precede the detection. No notification yet (notifiedAt nil) is not
// checked here: whether the breach must be notified at all (no risk,
// Art. 33(1)) is recorded apart.
func CheckBreachNotification(detectedAt time.Time, notifiedAt *time.Time, lateReason string) error {
	if notifiedAt == nil {
		return nil
	}
	delay := notifiedAt.Sub(detectedAt)
	if delay < 0 {
		return fmt.Errorf("the breach cannot be notified (%s) before it was detected (%s)",
			notifiedAt.Format(time.RFC3339), detectedAt.Format(time.RFC3339))
	}
	if delay > BreachNotificationDelay && strings.TrimSpace(lateReason) == "" {
		return fmt.Errorf("the breach was notified %s after its detection, more than 72 hours: give the reasons for the delay (Art. 33(1) GDPR)",
			delay.Round(time.Minute))
	}
	return nil
}

// Change is a field that differs between two versions of a record: its
// value before (nil when the field was absent) and after (nil when it was
// removed).
type Change struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// Diff lists the fields whose value differs between before and after,
// including the fields present in only one of them, sorted by field name.
// Values are compared as JSON: each is normalised through an encoding/json
// round trip first, so that []string{"a"} equals []any{"a"} and int 1
// equals float64 1, as they would once stored. The changes carry the
// values as given.
func Diff(before, after map[string]any) []Change {
	var changes []Change
	for field, b := range before {
		a, ok := after[field]
		if !ok || !sameJSON(b, a) {
			changes = append(changes, Change{Field: field, Before: b, After: a})
		}
	}
	for field, a := range after {
		if _, ok := before[field]; !ok {
			changes = append(changes, Change{Field: field, After: a})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Field < changes[j].Field })
	return changes
}

// sameJSON tells whether a and b have the same JSON value. A value that does
// not marshal (a channel, a NaN) is compared as it is.
func sameJSON(a, b any) bool {
	na, errA := normalJSON(a)
	nb, errB := normalJSON(b)
	if errA != nil || errB != nil {
		return reflect.DeepEqual(a, b)
	}
	return reflect.DeepEqual(na, nb)
}

// normalJSON is v after a JSON round trip; numbers are kept as json.Number
// so that large integers are compared exactly.
func normalJSON(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}
