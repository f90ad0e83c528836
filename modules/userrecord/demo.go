package userrecord

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"communs/ent"
	"communs/ent/careassignment"
	"communs/ent/establishment"
	"communs/ent/journalnote"
	"communs/ent/person"
	"communs/ent/personcontact"
	"communs/ent/resource"
	"communs/ent/roleassignment"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/ent/stay"
	"communs/ent/subscription"
	"communs/internal/sealing"
	"communs/internal/txn"
	"communs/internal/viewer"
	"communs/modules/directory"
)

// The demo: the files of the persons supported by the members that
// subscribe to the user record (GESTUSA). Every person is fictional; the
// identities, dates and numbers are drawn from a generator seeded with the
// member's e-mail domain, so that two databases get the same files.

// demoPersonsPerEstablishment is how many persons each establishment
// supports in the demo, besides the one discharged long ago.
const demoPersonsPerEstablishment = 6

// demoYear is the year of the personalised projects and of the activity.
const demoYear = 2026

// Demo returns the module's demo loader. For each member subscribing to the
// user record that has no person yet, it assigns the member's
// administrators and staff to its establishments (creating two when the
// member has none in the directory), creates about six persons per
// establishment with their contacts, needs, personalised project, the
// services delivered each month from January to November, journal notes
// and consents, and one person discharged in 2004, whom the retention job
// anonymises. A member is loaded in one transaction; running the demo again
// adds nothing. Sealing needs the module's keys.
func Demo(keys *sealing.Keyring) func(ctx context.Context, client *ent.Client, out io.Writer) error {
	return func(ctx context.Context, client *ent.Client, out io.Writer) error {
		ctx = viewer.SystemContext(ctx)
		svc := New(client, keys)
		subs, err := client.Subscription.Query().
			Where(subscription.StatusEQ(subscription.StatusACTIVE), subscription.HasResourceWith(resource.Code("GESTUSA"))).
			WithMember().All(ctx)
		if err != nil {
			return err
		}
		var members []*ent.Member
		for _, sub := range subs {
			if m := sub.Edges.Member; !slices.ContainsFunc(members, func(o *ent.Member) bool { return o.ID == m.ID }) {
				members = append(members, m)
			}
		}
		// By name, not by id: ids differ from one database to the next.
		slices.SortFunc(members, func(a, b *ent.Member) int { return strings.Compare(a.Name, b.Name) })
		var total demoCounts
		for _, m := range members {
			has, err := client.Person.Query().Where(person.MemberID(m.ID)).Exist(ctx)
			if err != nil {
				return err
			}
			if has {
				continue
			}
			d := newMemberDemo(svc, m)
			if err := txn.Run(ctx, client, d.load); err != nil {
				return fmt.Errorf("demo files of %s: %w", m.Name, err)
			}
			total.add(d.counts)
		}
		if out != nil {
			fmt.Fprintf(out, "userrecord: %d persons (%d discharged), %d needs, %d projects, %d activities, %d journal notes, %d consents, %d care assignments, %d establishments added\n",
				total.persons, total.discharged, total.needs, total.projects, total.activities, total.notes, total.consents, total.assignments, total.establishments)
		}
		return nil
	}
}

// demoCounts are the rows the demo created.
type demoCounts struct {
	establishments, assignments                    int
	persons, discharged, contacts, needs, projects int
	activities, notes, consents                    int
}

func (c *demoCounts) add(o demoCounts) {
	c.establishments += o.establishments
	c.assignments += o.assignments
	c.persons += o.persons
	c.discharged += o.discharged
	c.contacts += o.contacts
	c.needs += o.needs
	c.projects += o.projects
	c.activities += o.activities
	c.notes += o.notes
	c.consents += o.consents
}

// memberDemo loads the files of one member.
type memberDemo struct {
	svc    *Service
	member *ent.Member
	key    string // the stem of the member's e-mail domain, "tilleuls-yonne"
	dept   string // the member's department, "89"
	rng    *rand.Rand
	names  map[string]bool // identities given already
	counts demoCounts
}

func newMemberDemo(svc *Service, m *ent.Member) *memberDemo {
	key := m.Name
	if m.ContactEmail != nil {
		if _, domain, ok := strings.Cut(*m.ContactEmail, "@"); ok {
			key = strings.TrimSuffix(domain, ".example")
		}
	}
	dept := "89"
	if len(m.PostalCode) >= 2 && m.PostalCode[:2] != "20" && m.PostalCode[:2] != "97" {
		dept = m.PostalCode[:2]
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return &memberDemo{
		svc: svc, member: m, key: key, dept: dept,
		rng:   rand.New(rand.NewPCG(h.Sum64(), demoYear)),
		names: map[string]bool{},
	}
}

// load writes the member's files; ctx carries the member's transaction,
// which the service's calls join.
func (d *memberDemo) load(ctx context.Context, tx *ent.Client) error {
	ests, err := d.establishments(ctx, tx)
	if err != nil {
		return err
	}
	if err := d.assign(ctx, tx, ests); err != nil {
		return err
	}
	for j, e := range ests {
		p := profileOf(e)
		for k := range demoPersonsPerEstablishment {
			if err := d.current(ctx, e, j, k, p); err != nil {
				return err
			}
		}
	}
	if err := d.formerResident(ctx, tx, ests[0]); err != nil {
		return err
	}
	if d.key == "tilleuls-yonne" {
		if _, err := d.svc.SetRetention(ctx, d.member.ID, DefaultRetentionYears); err != nil {
			return err
		}
	}
	return nil
}

// demoEstablishments are created for a member that subscribes to the user
// record but has no establishment in the directory.
var demoEstablishments = []struct {
	code, label, short string
	opened             int
	capacities         []schematype.Capacity
}{
	{"437", "Foyer d'Accueil Médicalisé pour Adultes Handicapés (F.A.M.)", "FAM", 1991, []schematype.Capacity{{ReceptionType: "BOARDING", Places: 30}, {ReceptionType: "DAY", Places: 6}}},
	{"183", "Institut Médico-Educatif (I.M.E.)", "IME", 1978, []schematype.Capacity{{ReceptionType: "BOARDING", Places: 18}, {ReceptionType: "DAY", Places: 30}}},
}

// establishments returns the member's open establishments, in a stable
// order, creating two when it has none.
func (d *memberDemo) establishments(ctx context.Context, tx *ent.Client) ([]*ent.Establishment, error) {
	query := func() ([]*ent.Establishment, error) {
		return tx.Establishment.Query().
			Where(establishment.MemberID(d.member.ID), establishment.StatusEQ(establishment.StatusOPEN)).
			Order(ent.Asc(establishment.FieldFinessEt), ent.Asc(establishment.FieldName)).All(ctx)
	}
	ests, err := query()
	if err != nil || len(ests) > 0 {
		return ests, err
	}
	for j, c := range demoEstablishments {
		total := 0
		for _, cp := range c.capacities {
			total += cp.Places
		}
		create := tx.Establishment.Create().SetMemberID(d.member.ID).
			SetName(c.short + " " + d.member.City).SetLongName(c.label + " de " + d.member.City).
			SetStreet(fmt.Sprintf("%d chemin des Vignes", 10+2*j)).SetPostalCode(d.member.PostalCode).
			SetCity(d.member.City).SetDepartment(d.dept).SetCategoryCode(c.code).SetCategoryLabel(c.label).
			SetOpenedOn(day(c.opened, time.September, 1)).SetCapacities(c.capacities).SetCapacityTotal(total)
		number := directory.WithFINESSKey(fmt.Sprintf("%s%06d", d.dept, 700+j))
		taken, err := tx.Establishment.Query().Where(establishment.FinessEt(number)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if !taken {
			create.SetFinessEt(number)
		}
		if err := create.Exec(ctx); err != nil {
			return nil, err
		}
		d.counts.establishments++
	}
	return query()
}

// assign opens the establishments' files to the member's administrators
// (management) and staff (care in the first establishment, educational in
// the others: the notes restricted to care show in the first only).
func (d *memberDemo) assign(ctx context.Context, tx *ent.Client, ests []*ent.Establishment) error {
	roles, err := tx.RoleAssignment.Query().
		Where(roleassignment.MemberID(d.member.ID), roleassignment.RoleIn(roleassignment.RoleMemberAdmin, roleassignment.RoleMemberStaff)).
		Order(ent.Asc(roleassignment.FieldAccountID)).All(ctx)
	if err != nil {
		return err
	}
	staff := map[pulid.ID]bool{}
	var accounts []pulid.ID
	for _, r := range roles {
		if !slices.Contains(accounts, r.AccountID) {
			accounts = append(accounts, r.AccountID)
		}
		if r.Role == roleassignment.RoleMemberStaff {
			staff[r.AccountID] = true
		}
	}
	for _, a := range accounts {
		for j, e := range ests {
			role := careassignment.CareRoleMANAGEMENT
			switch {
			case staff[a] && j == 0:
				role = careassignment.CareRoleCARE
			case staff[a]:
				role = careassignment.CareRoleEDUCATIONAL
			}
			taken, err := tx.CareAssignment.Query().
				Where(careassignment.AccountID(a), careassignment.EstablishmentID(e.ID)).Exist(ctx)
			if err != nil {
				return err
			}
			if taken {
				continue
			}
			if _, err := d.svc.Assign(ctx, AssignmentInput{AccountID: a, EstablishmentID: e.ID, CareRole: role}); err != nil {
				return err
			}
			d.counts.assignments++
		}
	}
	return nil
}

// current creates the k-th person supported today by the j-th
// establishment, and their file.
func (d *memberDemo) current(ctx context.Context, e *ent.Establishment, j, k int, p *demoProfile) error {
	sex := person.SexFEMALE
	if d.rng.IntN(2) == 0 {
		sex = person.SexMALE
	}
	birthYear := p.bornFrom + d.rng.IntN(p.bornTo-p.bornFrom+1)
	birth := day(birthYear, time.Month(1+d.rng.IntN(12)), 1+d.rng.IntN(28))
	adult := !birth.AddDate(18, 0, 0).After(day(demoYear, time.January, 1))
	protection := person.LegalProtectionNONE
	switch {
	case adult && k == 1:
		protection = person.LegalProtectionCURATORSHIP
	case adult && k == 4:
		protection = person.LegalProtectionGUARDIANSHIP
	}
	year := max(2018+d.rng.IntN(8), birthYear+p.minAge)
	admitted := workday(day(year, time.Month(1+d.rng.IntN(12)), 1+d.rng.IntN(28)))
	if j == 0 && k == demoPersonsPerEstablishment-1 { // a newcomer
		admitted = day(demoYear, time.March, 2)
	}
	last, first := d.identity(sex, birthYear)
	id := IdentityInput{LastName: last, FirstNames: first, BirthDate: birth, Sex: sex, LegalProtection: &protection}
	if sex == person.SexFEMALE && adult && k == 3 && birthYear < 1990 {
		married, _ := d.identity(sex, birthYear)
		id.LastName, id.BirthName = married, &last
	}
	if k%3 == 0 {
		ins, err := d.ins(sex, birth)
		if err != nil {
			return err
		}
		id.INS = &ins
	}
	dept := e.Department
	if dept == "" {
		dept = d.dept
	}
	ref := fmt.Sprintf("CDAPH-%s-%d-%05d", dept, admitted.AddDate(0, -3, 0).Year(), 1+d.rng.IntN(29999))
	from, until := admitted, admitted.AddDate(10, 0, -1)
	pers, err := d.svc.CreatePerson(ctx, CreatePersonInput{Identity: id, Stay: StayInput{
		EstablishmentID: e.ID, AdmittedOn: admitted, ReceptionType: p.reception(e, k),
		OrientationReference: &ref, OrientationFrom: &from, OrientationUntil: &until,
	}})
	if err != nil {
		return err
	}
	d.counts.persons++
	fullName := strings.Fields(first)[0] + " " + id.LastName
	minor := !adult
	representative, err := d.contacts(ctx, pers, e, k, protection, minor)
	if err != nil {
		return err
	}

	assessed := later(day(demoYear-1, time.December, 1+k), admitted.AddDate(0, 0, 14))
	if err := d.needs(ctx, pers, p, 2+d.rng.IntN(2), workday(assessed), p.evaluator); err != nil {
		return err
	}

	starts := later(day(demoYear, time.January, 5), admitted.AddDate(0, 0, 28))
	starts = workday(starts)
	planned := d.pick(p.services, 3)
	if _, err := d.svc.SetProject(ctx, ProjectInput{
		PersonID: pers.ID, Objectives: d.pick(p.objectives, 2+d.rng.IntN(2)),
		PlannedServices: append([]string{"2.3.1.1"}, planned...),
		StartsOn:        starts, ReviewOn: day(demoYear, time.December, 15),
	}); err != nil {
		return err
	}
	d.counts.projects++

	activities := []ActivityInput{d.activity(pers, e, j, "2.3.1.1", starts)}
	for month := time.January; month <= time.November; month++ {
		for a := range 3 + d.rng.IntN(2) {
			code := planned[(a+int(month))%len(planned)]
			on := workday(day(demoYear, month, 2+d.rng.IntN(19)))
			if on.Before(admitted) {
				continue
			}
			activities = append(activities, d.activity(pers, e, j, code, on))
		}
	}
	if err := d.record(ctx, activities); err != nil {
		return err
	}

	if err := d.notes(ctx, pers, p.team[(j+k)%len(p.team)], p.restricted[(j+k)%len(p.restricted)]); err != nil {
		return err
	}
	expressedBy := fullName
	if representative != "" && (minor || protection == person.LegalProtectionGUARDIANSHIP) {
		expressedBy = fullName + ", avec " + representative
	}
	recorded := admitted
	for _, purpose := range []string{"Droit à l'image", "Partage d'informations avec le médecin traitant"} {
		if _, err := d.svc.RecordConsent(ctx, ConsentInput{
			PersonID: pers.ID, Purpose: purpose, Given: true, RecordedOn: recorded, ExpressedBy: &expressedBy,
		}); err != nil {
			return err
		}
		d.counts.consents++
	}
	return nil
}

// formerResident creates a person admitted in 1998 and discharged on 30
// June 2004: the retention job anonymises the file 20 years later.
func (d *memberDemo) formerResident(ctx context.Context, tx *ent.Client, e *ent.Establishment) error {
	p := profileOf(e)
	sex := person.SexMALE
	if d.rng.IntN(2) == 0 {
		sex = person.SexFEMALE
	}
	birthYear := 1960 + d.rng.IntN(12)
	if p.minAge < 18 {
		birthYear = 1986 + d.rng.IntN(4)
	}
	last, first := d.identity(sex, birthYear)
	admitted := workday(day(1998, time.September, 1+d.rng.IntN(14)))
	// Before the CDAPH (2006), the CDES oriented children, the COTOREP adults.
	commission := "COTOREP"
	if p.minAge < 18 {
		commission = "CDES"
	}
	ref := fmt.Sprintf("%s-%s-1998-%05d", commission, d.dept, 1+d.rng.IntN(9999))
	none := person.LegalProtectionNONE
	pers, err := d.svc.CreatePerson(ctx, CreatePersonInput{
		Identity: IdentityInput{LastName: last, FirstNames: first, Sex: sex, LegalProtection: &none,
			BirthDate: day(birthYear, time.Month(1+d.rng.IntN(12)), 1+d.rng.IntN(28))},
		Stay: StayInput{EstablishmentID: e.ID, AdmittedOn: admitted, ReceptionType: p.reception(e, 0), OrientationReference: &ref},
	})
	if err != nil {
		return err
	}
	d.counts.persons++
	if _, err := d.svc.SetContacts(ctx, pers.ID, []ContactInput{{
		Kind: personcontact.KindFAMILY, Name: d.firstName(person.SexFEMALE, 1940) + " " + last,
		Relation: ptr("Mère"), Phone: ptr(d.phone(false)),
	}}); err != nil {
		return err
	}
	d.counts.contacts++
	if err := d.needs(ctx, pers, p, 2, workday(day(1998, time.October, 15)), p.evaluator); err != nil {
		return err
	}
	planned := d.pick(p.services, 2)
	if _, err := d.svc.SetProject(ctx, ProjectInput{
		PersonID: pers.ID, Objectives: d.pick(p.objectives, 2), PlannedServices: planned,
		StartsOn: day(1999, time.January, 4), ReviewOn: day(1999, time.December, 15),
	}); err != nil {
		return err
	}
	d.counts.projects++
	var activities []ActivityInput
	for month := time.January; month <= time.June; month++ {
		for a := range 2 {
			activities = append(activities, d.activity(pers, e, 0, planned[a], workday(day(2003, month, 3+7*a+d.rng.IntN(5)))))
		}
	}
	if err := d.record(ctx, activities); err != nil {
		return err
	}
	if _, err := d.svc.WriteNote(ctx, NoteInput{PersonID: pers.ID, Confidentiality: journalnote.ConfidentialityTEAM,
		Body: "Sortie le 30 juin 2004 : orientation vers un foyer de vie proche de la famille. Dossier de liaison transmis."}); err != nil {
		return err
	}
	d.counts.notes++
	if _, err := d.svc.RecordConsent(ctx, ConsentInput{PersonID: pers.ID, Purpose: "Droit à l'image", Given: true,
		RecordedOn: admitted, ExpressedBy: ptr(strings.Fields(first)[0] + " " + last)}); err != nil {
		return err
	}
	d.counts.consents++
	st, err := tx.Stay.Query().Where(stay.PersonID(pers.ID)).Only(ctx)
	if err != nil {
		return err
	}
	if _, err := d.svc.Discharge(ctx, st.ID, day(2004, time.June, 30)); err != nil {
		return err
	}
	d.counts.discharged++
	return nil
}

// contacts gives a person one or two contacts, a legal representative
// first for a minor or a protected adult; it returns the representative's
// name, if any.
func (d *memberDemo) contacts(ctx context.Context, p *ent.Person, e *ent.Establishment, k int, protection person.LegalProtection, minor bool) (string, error) {
	var contacts []ContactInput
	representative := ""
	family := p.BirthName
	if family == "" {
		family = p.LastName
	}
	address := fmt.Sprintf("%d %s, %s %s", 2+d.rng.IntN(60), demoStreets[d.rng.IntN(len(demoStreets))], e.PostalCode, e.City)
	switch {
	case protection == person.LegalProtectionCURATORSHIP:
		representative = "UDAF " + departmentName(e.Department) + ", service mandataire"
		contacts = append(contacts, ContactInput{Kind: personcontact.KindLEGAL_REPRESENTATIVE,
			Name: representative, Relation: ptr("Curateur (mandataire judiciaire)"), Phone: ptr(d.phone(false)),
			Email: ptr("mjpm@udaf" + e.Department + ".example")})
	case protection == person.LegalProtectionGUARDIANSHIP:
		representative = d.firstName(person.SexFEMALE, 1950) + " " + family
		contacts = append(contacts, ContactInput{Kind: personcontact.KindLEGAL_REPRESENTATIVE,
			Name: representative, Relation: ptr("Tutrice (mère)"), Phone: ptr(d.phone(true)),
			Email: ptr(emailOf(representative)), Address: &address})
	case minor:
		sex, relation := person.SexFEMALE, "Mère"
		if k%2 == 1 {
			sex, relation = person.SexMALE, "Père"
		}
		representative = d.firstName(sex, 1980) + " " + family
		contacts = append(contacts, ContactInput{Kind: personcontact.KindLEGAL_REPRESENTATIVE,
			Name: representative, Relation: &relation, Phone: ptr(d.phone(true)),
			Email: ptr(emailOf(representative)), Address: &address})
	}
	if len(contacts) == 0 || k%2 == 0 {
		sibling := person.SexFEMALE
		relation := "Sœur"
		if d.rng.IntN(2) == 0 {
			sibling, relation = person.SexMALE, "Frère"
		}
		kind := personcontact.KindFAMILY
		if len(contacts) > 0 {
			kind = personcontact.KindEMERGENCY
		}
		birth := p.BirthDate.Year()
		contacts = append(contacts, ContactInput{Kind: kind,
			Name: d.firstName(sibling, birth) + " " + family, Relation: &relation, Phone: ptr(d.phone(true))})
	}
	if _, err := d.svc.SetContacts(ctx, p.ID, contacts); err != nil {
		return "", err
	}
	d.counts.contacts += len(contacts)
	return representative, nil
}

// needs records n of the profile's needs, assessed on.
func (d *memberDemo) needs(ctx context.Context, p *ent.Person, prof *demoProfile, n int, on time.Time, evaluator string) error {
	for _, i := range d.rng.Perm(len(prof.needs))[:n] {
		need := prof.needs[i]
		if _, err := d.svc.AssessNeed(ctx, NeedInput{PersonID: p.ID, Code: need.code, AssessedOn: on,
			Evaluator: &evaluator, Comment: &need.comment}); err != nil {
			return err
		}
		d.counts.needs++
	}
	return nil
}

// notes writes a note for the team and one restricted to care.
func (d *memberDemo) notes(ctx context.Context, p *ent.Person, team, restricted string) error {
	if _, err := d.svc.WriteNote(ctx, NoteInput{PersonID: p.ID, Body: team, Confidentiality: journalnote.ConfidentialityTEAM}); err != nil {
		return err
	}
	if _, err := d.svc.WriteNote(ctx, NoteInput{PersonID: p.ID, Body: restricted,
		Confidentiality: journalnote.ConfidentialityRESTRICTED, RestrictedTo: []careassignment.CareRole{careassignment.CareRoleCARE}}); err != nil {
		return err
	}
	d.counts.notes += 2
	return nil
}

// activity is a service delivered to p in the j-th establishment on a day,
// by one of the establishment's professionals.
func (d *memberDemo) activity(p *ent.Person, e *ent.Establishment, j int, code string, on time.Time) ActivityInput {
	s := demoServices[code]
	who := s.professionals[(len(d.key)+j)%len(s.professionals)]
	return ActivityInput{PersonID: p.ID, EstablishmentID: e.ID, ServiceCode: code, PerformedOn: on,
		Minutes: s.minutes[d.rng.IntN(len(s.minutes))], Professional: &who}
}

// record records a person's activities in one batch.
func (d *memberDemo) record(ctx context.Context, activities []ActivityInput) error {
	created, err := d.svc.RecordActivities(ctx, activities)
	d.counts.activities += len(created)
	return err
}

// identity draws a last name and first names not given yet in the member.
func (d *memberDemo) identity(sex person.Sex, birthYear int) (last, first string) {
	for {
		last = demoLastNames[d.rng.IntN(len(demoLastNames))]
		first = d.firstName(sex, birthYear)
		if d.rng.IntN(4) == 0 {
			if second := d.firstName(sex, 1950); second != first {
				first += " " + second
			}
		}
		if key := last + "/" + strings.Fields(first)[0]; !d.names[key] {
			d.names[key] = true
			return last, first
		}
	}
}

// firstName draws a first name given around birthYear.
func (d *memberDemo) firstName(sex person.Sex, birthYear int) string {
	pool := demoFirstNames[sex == person.SexFEMALE][birthYear >= 1995]
	return pool[d.rng.IntN(len(pool))]
}

// ins builds a national health identifier (a NIR) with a correct key:
// sex, year and month of birth, department and commune of birth, order.
func (d *memberDemo) ins(sex person.Sex, birth time.Time) (string, error) {
	s := 2
	if sex == person.SexMALE {
		s = 1
	}
	body := fmt.Sprintf("%d%02d%02d%s%03d%03d", s, birth.Year()%100, int(birth.Month()), d.dept, 1+d.rng.IntN(600), 1+d.rng.IntN(999))
	var n uint64
	for _, c := range body {
		n = n*10 + uint64(c-'0')
	}
	return NormalizeINS(fmt.Sprintf("%s%02d", body, 97-n%97))
}

// phone draws a number of the ranges reserved for fiction (ARCEP): 03 53
// 01 xx xx, 06 39 98 xx xx for mobiles.
func (d *memberDemo) phone(mobile bool) string {
	prefix := "03 53 01"
	if mobile {
		prefix = "06 39 98"
	}
	return fmt.Sprintf("%s %02d %02d", prefix, d.rng.IntN(100), d.rng.IntN(100))
}

// pick draws n distinct entries of from, in their order.
func (d *memberDemo) pick(from []string, n int) []string {
	idx := d.rng.Perm(len(from))[:min(n, len(from))]
	slices.Sort(idx)
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = from[j]
	}
	return out
}

// demoProfile is what the persons of a kind of establishment need and
// receive.
type demoProfile struct {
	bornFrom, bornTo, minAge int
	defaultReception         stay.ReceptionType
	evaluator                string
	needs                    []demoNeed
	services                 []string
	objectives               []string
	team, restricted         []string
}

type demoNeed struct{ code, comment string }

// reception is the k-th person's type of reception: one of the
// establishment's authorised kinds (temporary reception aside), in turn.
func (p *demoProfile) reception(e *ent.Establishment, k int) stay.ReceptionType {
	var kinds []stay.ReceptionType
	for _, c := range e.Capacities {
		var t stay.ReceptionType
		switch c.ReceptionType {
		case "BOARDING":
			t = stay.ReceptionTypeRESIDENTIAL
		case "DAY":
			t = stay.ReceptionTypeDAY
		case "HOME":
			t = stay.ReceptionTypeHOME_BASED
		default:
			continue
		}
		if !slices.Contains(kinds, t) {
			kinds = append(kinds, t)
		}
	}
	if len(kinds) == 0 {
		return p.defaultReception
	}
	return kinds[k%len(kinds)]
}

// profileOf is the profile of an establishment's FINESS category.
func profileOf(e *ent.Establishment) *demoProfile {
	switch e.CategoryCode {
	case "183", "182", "186", "188", "192", "194", "195", "196", "238":
		p := childhood
		if e.CategoryCode == "182" {
			p.defaultReception = stay.ReceptionTypeHOME_BASED
		}
		return &p
	case "246", "249":
		p := work
		return &p
	}
	p := care
	return &p
}

var childhood = demoProfile{
	bornFrom: 2006, bornTo: 2015, minAge: 4, defaultReception: stay.ReceptionTypeDAY,
	evaluator: "Équipe pluridisciplinaire (bilan d'admission)",
	needs: []demoNeed{
		{"1.3.3.1", "Scolarisé à temps partiel en unité d'enseignement ; a besoin d'un cadre très structuré et de consignes courtes."},
		{"1.2.1.2", "Difficultés à entrer en relation avec les autres enfants ; la communication passe par les pictogrammes."},
		{"1.1.1", "Troubles de l'attention et de la mémoire de travail ; fatigabilité l'après-midi."},
		{"1.2.1.1", "Aide partielle pour la toilette et l'habillage ; mange seul avec une guidance verbale."},
		{"1.1.4", "Langage oral limité à quelques mots ; suivi orthophonique à poursuivre."},
	},
	services: []string{"2.3.3.1", "2.2.2", "2.1.2.1", "2.1.1.3", "2.3.4.2"},
	objectives: []string{
		"Consolider la lecture de mots simples en unité d'enseignement",
		"Développer la communication avec un classeur de pictogrammes",
		"Gagner en autonomie pour la toilette et l'habillage",
		"Participer chaque semaine à une activité sportive adaptée hors de l'établissement",
		"Préparer avec la famille le passage vers un accompagnement pour adultes",
	},
	team: []string{
		"Séance de piscine très appréciée ; a attendu son tour sans difficulté.",
		"Rencontre avec la famille : accord pour travailler l'habillage à la maison comme à l'IME.",
		"A terminé seul son exercice de lecture en unité d'enseignement, première fois cette année.",
	},
	restricted: []string{
		"Crises d'épilepsie plus fréquentes depuis deux semaines : le neuropédiatre revoit le traitement, surveiller la somnolence.",
		"Troubles du sommeil signalés par la famille ; mélatonine prescrite par le médecin traitant.",
		"Perte d'appétit depuis la rentrée : pesée hebdomadaire, avis du pédiatre demandé.",
	},
}

var work = demoProfile{
	bornFrom: 1966, bornTo: 2004, minAge: 20, defaultReception: stay.ReceptionTypeDAY,
	evaluator: "Chargée d'insertion et moniteur d'atelier",
	needs: []demoNeed{
		{"1.3.3.2", "Souhaite découvrir un poste en espaces verts ; fatigabilité à prendre en compte dans l'organisation du travail."},
		{"1.3.5.1", "Gestion du budget difficile en fin de mois ; demande de l'aide pour les démarches."},
		{"1.3.4.2", "Se déplace seul en bus sur les trajets connus ; un nouvel itinéraire demande un apprentissage."},
		{"1.3.2.1", "Projet de passage en appartement autonome à moyen terme."},
		{"1.1.10", "Suivi médical irrégulier ; les rendez-vous sont à accompagner."},
	},
	services: []string{"2.3.3.3", "2.3.3.2", "2.3.5.2", "2.3.4.3", "2.3.2.1"},
	objectives: []string{
		"Maîtriser les gestes professionnels de l'atelier conditionnement",
		"Effectuer un stage de deux semaines en entreprise adaptée",
		"Gérer son budget avec un tableau hebdomadaire",
		"Apprendre le trajet en bus vers le nouveau site de production",
		"Préparer l'installation en appartement autonome",
	},
	team: []string{
		"Bon investissement à l'atelier conditionnement ; a montré le poste d'étiquetage à un nouveau travailleur.",
		"Retards répétés le lundi matin : point prévu avec le moniteur et le service d'hébergement.",
		"Stage d'une semaine en entreprise adaptée très positif ; l'employeur propose de le renouveler.",
	},
	restricted: []string{
		"Épisode anxieux important jeudi à l'atelier ; le psychiatre a été informé et un rendez-vous est fixé.",
		"Traitement modifié par le médecin traitant : la prise du midi est supprimée, l'infirmière assure le suivi.",
		"Hospitalisation de deux jours pour bilan cardiaque ; reprise du travail à mi-temps la semaine prochaine.",
	},
}

var care = demoProfile{
	bornFrom: 1960, bornTo: 2000, minAge: 20, defaultReception: stay.ReceptionTypeRESIDENTIAL,
	evaluator: "Équipe pluridisciplinaire et médecin coordonnateur",
	needs: []demoNeed{
		{"1.1.8", "Déplacements en fauteuil roulant ; transferts à deux professionnels avec le lève-personne."},
		{"1.2.1.1", "Aide totale pour la toilette et les repas."},
		{"1.1.6", "Troubles de la déglutition : repas à texture mixée, surveillance du poids."},
		{"1.2.1.2", "Communication non verbale : mimiques et sons à interpréter, à partager entre les équipes."},
		{"1.1.3", "Douleurs chroniques du dos à évaluer régulièrement avec une échelle adaptée."},
		{"1.3.4.1", "Aime la musique et les sorties au marché ; souhaite sortir davantage."},
	},
	services: []string{"2.2.1", "2.1.1.2", "2.1.2.1", "2.3.4.2", "2.1.1.1", "2.2.2"},
	objectives: []string{
		"Maintenir la marche sur de courtes distances avec un déambulateur",
		"Prévenir les escarres par des changements de position réguliers",
		"Enrichir les moyens de communication (tablette, pictogrammes)",
		"Participer chaque mois à une sortie culturelle",
		"Maintenir les liens avec la famille (visites, appels en visioconférence)",
	},
	team: []string{
		"Sortie au marché samedi : beaucoup de plaisir, à renouveler.",
		"Nuit agitée, réveils fréquents : à surveiller ce soir et à signaler à l'équipe de jour.",
		"Visite de la famille dimanche, moment apprécié ; prochaine visite prévue dans quinze jours.",
	},
	restricted: []string{
		"Rougeur au sacrum constatée ce matin : matelas à air installé, soins par l'infirmière, surveillance quotidienne.",
		"Perte de 2 kg en un mois : bilan sanguin demandé par le médecin, enrichissement des repas.",
		"Douleurs à la mobilisation de l'épaule droite : antalgique prescrit, radiographie prévue.",
	},
}

// demoServices are the services the demo delivers: who, and how long.
var demoServices = map[string]struct {
	professionals []string
	minutes       []int
}{
	"2.1.1.1": {[]string{"Dr Claire Morel, médecin", "Dr Antoine Lebœuf, médecin"}, []int{30, 45}},
	"2.1.1.2": {[]string{"Sophie Lenoir, infirmière", "Karim Haddad, infirmier"}, []int{30, 45}},
	"2.1.1.3": {[]string{"Julien Caron, psychologue", "Marion Delorme, neuropsychologue"}, []int{45, 60}},
	"2.1.2.1": {[]string{"Laure Vasseur, orthophoniste", "Hugo Besnard, psychomotricien", "Agathe Royer, ergothérapeute", "Élodie Marchand, kinésithérapeute"}, []int{30, 45, 60}},
	"2.2.1":   {[]string{"Nadia Benali, aide médico-psychologique", "Sébastien Roy, accompagnant éducatif et social"}, []int{60, 90, 120}},
	"2.2.2":   {[]string{"Camille Perrot, éducatrice spécialisée", "Yanis Ferreira, éducateur spécialisé"}, []int{45, 60}},
	"2.3.1.1": {[]string{"Isabelle Texier, coordinatrice de parcours", "Olivier Masson, chef de service"}, []int{60, 90}},
	"2.3.2.1": {[]string{"Anne Roche, conseillère en économie sociale et familiale", "Fabien Colas, éducateur spécialisé"}, []int{60, 90}},
	"2.3.3.1": {[]string{"Claire Fontaine, enseignante spécialisée", "Mathieu Gros, enseignant spécialisé"}, []int{90, 120}},
	"2.3.3.2": {[]string{"Chloé Bertin, chargée d'insertion", "Marc Dubreuil, chargé d'insertion"}, []int{45, 60, 90}},
	"2.3.3.3": {[]string{"Patrick Gérard, moniteur d'atelier", "Sandrine Lopes, monitrice d'atelier"}, []int{90, 120}},
	"2.3.4.2": {[]string{"Lucas Perrot, animateur", "Inès Charpentier, éducatrice sportive"}, []int{60, 90, 120}},
	"2.3.4.3": {[]string{"Thomas Girard, éducateur spécialisé", "Fabien Colas, éducateur spécialisé"}, []int{30, 45, 60}},
	"2.3.5.2": {[]string{"Anne Roche, conseillère en économie sociale et familiale", "Nathalie Briand, assistante sociale"}, []int{30, 45}},
}

var demoLastNames = []string{
	"Martin", "Bernard", "Petit", "Durand", "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Lefebvre",
	"Leroy", "Roux", "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
	"Rousseau", "Vincent", "Faure", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "Legrand",
	"Gauthier", "Perrin", "Robin", "Clément", "Morin", "Henry", "Roussel", "Mathieu", "Masson", "Marchand",
	"Duval", "Denis", "Dumont", "Lemaire", "Noël", "Meunier", "Brun", "Blanchard", "Giraud", "Joly",
	"Rivière", "Brunet", "Gaillard", "Barbier", "Arnaud", "Roche", "Renard", "Colin", "Caron", "Picard",
	"Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Bourgeois", "Guillot", "Hubert", "Berger", "Moulin",
	"Deschamps", "Royer", "Jacquet", "Poirier", "Guyot", "Carré", "Charpentier", "Baron", "Bailly", "Millet",
	"Perrot", "Besson", "Pelletier", "Lebrun", "Monnier", "Michaud", "Chauvin", "Humbert", "Cordier", "Lamy",
}

// demoFirstNames are first names by sex (female: true) and generation
// (born in 1995 or later: true).
var demoFirstNames = map[bool]map[bool][]string{
	true: {
		false: {"Sylvie", "Nathalie", "Isabelle", "Sandrine", "Valérie", "Céline", "Karine", "Christine", "Véronique", "Martine",
			"Catherine", "Virginie", "Stéphanie", "Aurélie", "Émilie", "Corinne", "Florence", "Patricia", "Brigitte", "Marie"},
		true: {"Léa", "Chloé", "Manon", "Emma", "Camille", "Inès", "Jade", "Clara", "Lina", "Zoé",
			"Louise", "Lucie", "Sarah", "Maëlys", "Océane", "Anaïs", "Juliette", "Lola", "Romane", "Alice"},
	},
	false: {
		false: {"Philippe", "Christophe", "Stéphane", "Laurent", "Frédéric", "Thierry", "Pascal", "Jérôme", "Nicolas", "Sébastien",
			"Olivier", "David", "Patrick", "Éric", "Franck", "Didier", "Bruno", "Michel", "Alain", "Jean"},
		true: {"Lucas", "Enzo", "Hugo", "Louis", "Nathan", "Théo", "Mathis", "Noah", "Tom", "Jules",
			"Gabriel", "Arthur", "Maxime", "Clément", "Baptiste", "Quentin", "Raphaël", "Adam", "Kylian", "Évan"},
	},
}

var demoStreets = []string{
	"rue des Tanneries", "rue du Pont", "avenue de la Gare", "rue des Lilas", "place de l'Église",
	"rue Pasteur", "chemin des Vignes", "rue Victor-Hugo", "allée des Tilleuls", "rue de la Liberté",
}

// departmentName is the department as the name of an UDAF says it.
func departmentName(dept string) string {
	names := map[string]string{
		"21": "de la Côte-d'Or", "25": "du Doubs", "39": "du Jura", "54": "de Meurthe-et-Moselle",
		"58": "de la Nièvre", "70": "de la Haute-Saône", "71": "de Saône-et-Loire", "89": "de l'Yonne",
	}
	if name, ok := names[dept]; ok {
		return name
	}
	return dept
}

// emailOf is a fictional address for a name.
func emailOf(name string) string {
	ascii := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "î", "i", "ï", "i",
		"ô", "o", "ù", "u", "û", "u", "ü", "u", "ç", "c", "œ", "oe", "'", "", " ", ".").Replace(strings.ToLower(name))
	return ascii + "@courriel.example"
}

// workday moves a Saturday to the Friday before and a Sunday to the
// Monday after.
func workday(t time.Time) time.Time {
	switch t.Weekday() {
	case time.Saturday:
		return t.AddDate(0, 0, -1)
	case time.Sunday:
		return t.AddDate(0, 0, 1)
	}
	return t
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }
