package training

import (
	"context"
	"slices"

	"communs/ent"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/subscription"
	"communs/ent/trainingattendance"
	"communs/ent/trainingcourse"
	"communs/internal/calendar"
	"communs/internal/viewer"
)

// TrainingReport is the year's training figures: hours attended, distinct
// trainees, members and courses, in all and per course.
type TrainingReport struct {
	Year     int
	Hours    float64
	Trainees int
	Members  int
	Courses  int
	ByCourse []*TrainingReportCourse
}

// TrainingReportCourse is one course's line of the report.
type TrainingReportCourse struct {
	Course   *ent.TrainingCourse
	Hours    float64
	Trainees int
	Members  int
}

// attended is the hours a trainee of a member attended of a course.
type attended struct {
	CourseID  pulid.ID `json:"course_id"`
	TraineeID pulid.ID `json:"trainee_id"`
	MemberID  pulid.ID `json:"member_id"`
	Hours     float64  `json:"hours"`
}

// Report draws up the year's report from the attendance the viewer reads
// (the groupement's staff: every member's), summed in one GROUP BY.
func (s *Service) Report(ctx context.Context, year int) (*TrainingReport, error) {
	var rows []attended
	err := s.client.TrainingAttendance.Query().Where(trainingattendance.Year(year)).
		GroupBy(trainingattendance.FieldCourseID, trainingattendance.FieldTraineeID, trainingattendance.FieldMemberID).
		Aggregate(ent.As(ent.Sum(trainingattendance.FieldHours), "hours")).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	courses, err := s.client.TrainingCourse.Query().Order(ent.Asc(trainingcourse.FieldTitle)).All(ctx)
	if err != nil {
		return nil, err
	}
	return fold(year, rows, courses), nil
}

// fold sums the rows into the report, its courses in catalogue order.
func fold(year int, rows []attended, courses []*ent.TrainingCourse) *TrainingReport {
	r := &TrainingReport{Year: year}
	trainees, members := set{}, set{}
	byCourse := map[pulid.ID]*TrainingReportCourse{}
	courseTrainees, courseMembers := map[pulid.ID]set{}, map[pulid.ID]set{}
	for _, row := range rows {
		line := byCourse[row.CourseID]
		if line == nil {
			line = &TrainingReportCourse{}
			byCourse[row.CourseID] = line
			courseTrainees[row.CourseID], courseMembers[row.CourseID] = set{}, set{}
		}
		line.Hours += row.Hours
		r.Hours += row.Hours
		trainees.add(row.TraineeID)
		members.add(row.MemberID)
		courseTrainees[row.CourseID].add(row.TraineeID)
		courseMembers[row.CourseID].add(row.MemberID)
	}
	for _, c := range courses {
		if line := byCourse[c.ID]; line != nil {
			line.Course, line.Trainees, line.Members = c, len(courseTrainees[c.ID]), len(courseMembers[c.ID])
			r.ByCourse = append(r.ByCourse, line)
		}
	}
	r.Trainees, r.Members, r.Courses = len(trainees), len(members), len(r.ByCourse)
	return r
}

type set map[pulid.ID]bool

func (s set) add(id pulid.ID) { s[id] = true }

// declarationLines suggests, for a member's new usage declaration of
// year, the number of its trainees who attended a course that year for
// each training resource counted in participants it subscribes to: the
// module's extension hook. The member can change the quantity.
func declarationLines(ctx context.Context, tx *ent.Client, memberID pulid.ID, year int) (map[pulid.ID]int64, error) {
	ctx = viewer.SystemContext(ctx)
	resources, err := trainingResources(ctx, tx, memberID, year)
	if err != nil || len(resources) == 0 {
		return nil, err
	}
	participants, err := Participants(ctx, tx, memberID, year)
	if err != nil || participants == 0 {
		// Nothing attended is nothing to suggest: the member declares
		// the resource itself, as any other (a suggested 0 would make an
		// incomplete declaration look complete).
		return nil, err
	}
	lines := make(map[pulid.ID]int64, len(resources))
	for _, id := range resources {
		lines[id] = int64(participants)
	}
	return lines, nil
}

// trainingResources are the training resources counted in participants
// the member subscribed to at some time of year.
func trainingResources(ctx context.Context, tx *ent.Client, memberID pulid.ID, year int) ([]pulid.ID, error) {
	first, last := calendar.YearBounds(year)
	found, err := tx.Resource.Query().
		Where(resource.KindEQ(resource.KindTRAINING), resource.UsageUnitEQ(resource.UsageUnitPARTICIPANTS),
			resource.HasSubscriptionsWith(subscription.MemberID(memberID), subscription.StartsOnLTE(last),
				subscription.StatusIn(subscription.StatusACTIVE, subscription.StatusENDED),
				subscription.Or(subscription.EndsOnIsNil(), subscription.EndsOnGTE(first)))).
		IDs(ctx)
	slices.Sort(found)
	return found, err
}

// Participants is the number of a member's trainees who attended at least
// one half-day in year.
func Participants(ctx context.Context, client *ent.Client, memberID pulid.ID, year int) (int, error) {
	ids, err := client.TrainingAttendance.Query().
		Where(trainingattendance.MemberID(memberID), trainingattendance.Year(year)).
		Unique(true).Select(trainingattendance.FieldTraineeID).Strings(ctx)
	return len(ids), err
}
