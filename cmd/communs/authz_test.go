package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The demo accounts the matrix runs as (internal/seed/accounts.go), and
// "anonymous". Tilleuls de l'Yonne is an ACTIVE member, Genêts du Morvan a
// FOUNDER, L'Abri Montagnard a USER.
var matrixViewers = map[string]string{
	"anonymous":     "",
	"gsm_admin":     "admin@communs.example",
	"gsm_staff":     "staff@communs.example",
	"gsm_cil":       "cil@communs.example",
	"member_admin":  "admin@tilleuls-yonne.example",
	"member_staff":  "staff@tilleuls-yonne.example",
	"member_cil":    "cil@tilleuls-yonne.example",
	"member_viewer": "viewer@tilleuls-yonne.example",
	"founder_admin": "admin@genets-morvan.example",
	"user_admin":    "admin@abri-montagnard.example",
}

// Groups of viewers, to keep the table readable.
var (
	gsmManagers   = []string{"gsm_admin", "gsm_staff"}
	activeMember  = []string{"member_admin", "member_staff", "member_cil", "member_viewer"}
	everyMember   = append(slices.Clone(activeMember), "founder_admin", "user_admin")
	memberAdmins  = []string{"member_admin", "founder_admin", "user_admin"}
	memberWriters = []string{"member_admin", "member_staff", "founder_admin", "user_admin"}
	cilKeepers    = []string{"gsm_cil", "member_cil"}
	cilReaders    = []string{"gsm_admin", "gsm_cil", "member_admin", "member_cil", "founder_admin", "user_admin"}
	authenticated = append(append([]string{"gsm_cil"}, gsmManagers...), everyMember...)
)

func join(groups ...[]string) []string { return slices.Concat(groups...) }

// permissionMatrix is the one place that says who may run which root field:
// the operation to send, and the viewers allowed. Everyone else must be
// refused with UNAUTHENTICATED (anonymous) or FORBIDDEN. Mutations are sent
// with arguments that change nothing, so the order of the rows is free.
var permissionMatrix = []struct {
	field, operation string
	allowed          []string
}{
	{"node", `{ node(id: "MBR01JAAAAAAAAAAAAAAAAAAAA") { id } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"nodes", `{ nodes(ids: []) { id } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"members", `{ members(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"membersAggregate", `{ membersAggregate { count } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"resources", `{ resources(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"resourceCategories", `{ resourceCategories(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"subscriptions", `{ subscriptions(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"subscriptionsAggregate", `{ subscriptionsAggregate { count } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"memberCategoryChanges", `{ memberCategoryChanges(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"usageDeclarations", `{ usageDeclarations(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"usageDeclarationsAggregate", `{ usageDeclarationsAggregate { count } }`, join(gsmManagers, everyMember)},
	{"usageDeclarationLines", `{ usageDeclarationLines(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"usageDeclarationLinesAggregate", `{ usageDeclarationLinesAggregate { count } }`, join(gsmManagers, everyMember)},
	{"usageDeclarationRevisions", `{ usageDeclarationRevisions(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"costEntries", `{ costEntries(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"costEntriesAggregate", `{ costEntriesAggregate { count } }`, join(gsmManagers, everyMember)},
	{"serviceRequests", `{ serviceRequests(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"serviceRequestsAggregate", `{ serviceRequestsAggregate { count } }`, join(gsmManagers, everyMember)},
	{"timeEntries", `{ timeEntries(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"timeEntriesAggregate", `{ timeEntriesAggregate { count } }`, join(gsmManagers, everyMember)},
	{"charges", `{ charges(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"chargesAggregate", `{ chargesAggregate { count } }`, join(gsmManagers, everyMember)},
	{"callsForFunds", `{ callsForFunds(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"callsForFundsAggregate", `{ callsForFundsAggregate { count } }`, join(gsmManagers, everyMember)},
	{"chargeRuns", `{ chargeRuns(first: 1) { totalCount } }`, gsmManagers},
	{"notifications", `{ notifications(first: 1) { totalCount } }`, gsmManagers},
	{"membershipApplications", `{ membershipApplications(first: 1) { totalCount } }`, gsmManagers},
	{"accounts", `{ accounts(first: 1) { totalCount } }`, join(gsmManagers, memberAdmins)},
	{"roleAssignments", `{ roleAssignments(first: 1) { totalCount } }`, join(gsmManagers, memberAdmins)},
	{"auditEvents", `{ auditEvents(first: 1) { totalCount } }`, join([]string{"gsm_admin"}, memberAdmins)},
	{"consolidatedAccounts", `{ consolidatedAccounts(year: 2026) { result } }`, join(gsmManagers, activeMember, []string{"founder_admin"})},
	{"membershipByCategory", `{ membershipByCategory(from: "2026-01-01", to: "2026-01-01") { total } }`, gsmManagers},
	{"resourceYears", `{ resourceYears(fromYear: 2026, toYear: 2026) { year } }`, gsmManagers},
	{"chargesByMemberCategory", `{ chargesByMemberCategory(year: 2026) { quarter } }`, gsmManagers},
	{"me", `{ me { email } }`, authenticated},
	{"login", `mutation { login(input: {email: "nobody@example.org", password: "not a password"}) { token } }`, []string{"anonymous"}},
	{"acceptInvitation", `mutation { acceptInvitation(input: {token: "forged", password: "long enough password", displayName: "x"}) { token } }`, []string{"anonymous"}},
	{"changePassword", `mutation { changePassword(input: {currentPassword: "wrong password", newPassword: "long enough password"}) { ok } }`, authenticated},
	{"createInvitation", `mutation { createInvitation(input: {email: "x@example.org", role: member_staff}) { email } }`, join([]string{"gsm_admin"}, memberAdmins)},
	{"assignRole", `mutation { assignRole(input: {accountId: "ACC01JAAAAAAAAAAAAAAAAAAAA", role: member_staff}) { roleAssignment { id } } }`, join([]string{"gsm_admin"}, memberAdmins)},
	{"revokeRole", `mutation { revokeRole(input: {roleAssignmentId: "ROL01JAAAAAAAAAAAAAAAAAAAA"}) { ok } }`, join([]string{"gsm_admin"}, memberAdmins)},
	{"submitMembershipApplication", `mutation { submitMembershipApplication(input: {organisationName: "X", legalForm: "SARL", siren: "732829320",
		street: "1 rue", postalCode: "75001", city: "Paris", representativeName: "R", representativeFunction: "Gérant", contactEmail: "x@example.org",
		requestedCategory: USER, appliedOn: "2026-01-05", signerName: "R", signedAt: "2026-01-05T10:00:00Z", nonProfit: false, vatSubjectPercent: 90}) { reference } }`,
		join([]string{"anonymous", "gsm_cil"}, gsmManagers, everyMember)},
	{"startApplicationReview", `mutation { startApplicationReview(input: {id: "APP01JAAAAAAAAAAAAAAAAAAAA", version: 1}) { membershipApplication { id } } }`, gsmManagers},
	{"approveMembershipApplication", `mutation { approveMembershipApplication(input: {id: "APP01JAAAAAAAAAAAAAAAAAAAA", version: 1}) { membershipApplication { id } } }`, gsmManagers},
	{"rejectMembershipApplication", `mutation { rejectMembershipApplication(input: {id: "APP01JAAAAAAAAAAAAAAAAAAAA", version: 1, reason: "x"}) { membershipApplication { id } } }`, gsmManagers},
	{"changeMemberCategory", `mutation { changeMemberCategory(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", category: ACTIVE, effectiveOn: "2026-01-01", reason: "x"}) { member { id } } }`, gsmManagers},
	{"suspendMember", `mutation { suspendMember(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", reason: "x"}) { member { id } } }`, gsmManagers},
	{"reinstateMember", `mutation { reinstateMember(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA"}) { member { id } } }`, gsmManagers},
	{"recordMemberLeaving", `mutation { recordMemberLeaving(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", leftOn: "2026-06-30"}) { member { id } } }`, gsmManagers},
	{"createResourceCategory", `mutation { createResourceCategory(input: {code: "", name: ""}) { resourceCategory { id } } }`, gsmManagers},
	{"updateResourceCategory", `mutation { updateResourceCategory(input: {id: "RCA01JAAAAAAAAAAAAAAAAAAAA", changes: {}}) { resourceCategory { id } } }`, gsmManagers},
	{"createResource", `mutation { createResource(input: {code: "", name: "", kind: SOFTWARE, usageUnit: FLAT, allocationKey: EQUAL}) { resource { id } } }`, gsmManagers},
	{"updateResource", `mutation { updateResource(input: {id: "RES01JAAAAAAAAAAAAAAAAAAAA", changes: {}}) { resource { id } } }`, gsmManagers},
	{"retireResource", `mutation { retireResource(input: {id: "RES01JAAAAAAAAAAAAAAAAAAAA"}) { resource { id } } }`, gsmManagers},
	{"requestSubscription", `mutation { requestSubscription(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", resourceId: "RES01JAAAAAAAAAAAAAAAAAAAA"}) { subscription { id } } }`, join(gsmManagers, memberAdmins)},
	{"activateSubscription", `mutation { activateSubscription(input: {id: "SUB01JAAAAAAAAAAAAAAAAAAAA", startsOn: "2026-01-01", projectLeadName: "x"}) { subscription { id } } }`, gsmManagers},
	{"endSubscription", `mutation { endSubscription(input: {id: "SUB01JAAAAAAAAAAAAAAAAAAAA", endsOn: "2026-01-01"}) { subscription { id } } }`, gsmManagers},
	{"saveUsageDeclaration", `mutation { saveUsageDeclaration(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", year: 2026, lines: [{resourceId: "RES01JAAAAAAAAAAAAAAAAAAAA", quantity: -1}]}) { usageDeclaration { id } } }`,
		join(gsmManagers, []string{"member_admin", "member_staff", "founder_admin", "user_admin"})},
	{"submitUsageDeclaration", `mutation { submitUsageDeclaration(input: {id: "DEC01JAAAAAAAAAAAAAAAAAAAA"}) { usageDeclaration { id } } }`, []string{"member_admin", "member_staff", "founder_admin", "user_admin"}},
	{"returnUsageDeclaration", `mutation { returnUsageDeclaration(input: {id: "DEC01JAAAAAAAAAAAAAAAAAAAA", comment: "x"}) { usageDeclaration { id } } }`, gsmManagers},
	{"validateUsageDeclaration", `mutation { validateUsageDeclaration(input: {id: "DEC01JAAAAAAAAAAAAAAAAAAAA"}) { usageDeclaration { id } } }`, gsmManagers},
	{"chargeBalance", `{ chargeBalance(year: 2026) { balanced } }`, gsmManagers},
	{"memberStatement", `{ memberStatement(memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", year: 2026) { total } }`, join(gsmManagers, everyMember)},
	{"runChargeStep", `mutation { runChargeStep(input: {year: 1999, step: Q1}) { created } }`, gsmManagers},
	{"unallocatedCosts", `{ unallocatedCosts(year: 1999) { amount } }`, gsmManagers},
	{"missingDeclarations", `{ missingDeclarations(year: 1999) { memberName } }`, gsmManagers},
	{"createCostEntry", `mutation { createCostEntry(input: {resourceID: "RES01JAAAAAAAAAAAAAAAAAAAA", fiscalYear: 1999, costType: USAGE, basis: ACTUAL, amount: "1.00", label: "x"}) { id } }`, gsmManagers},
	{"updateCostEntry", `mutation { updateCostEntry(id: "CST01JAAAAAAAAAAAAAAAAAAAA", input: {}) { id } }`, gsmManagers},
	{"deleteCostEntry", `mutation { deleteCostEntry(id: "CST01JAAAAAAAAAAAAAAAAAAAA") }`, gsmManagers},
	{"correctCharge", `mutation { correctCharge(input: {chargeId: "CHG01JAAAAAAAAAAAAAAAAAAAA", amount: "0.00", reason: "x"}) { id } }`, gsmManagers},
	{"membershipFees", `{ membershipFees(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"requestService", `mutation { requestService(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", kind: STARTUP, title: ""}) { id } }`, join(gsmManagers, memberWriters)},
	{"estimateService", `mutation { estimateService(input: {id: "SRQ01JAAAAAAAAAAAAAAAAAAAA", estimatedMinutes: 0, estimatedAmount: "0.00"}) { id } }`, gsmManagers},
	{"agreeService", `mutation { agreeService(id: "SRQ01JAAAAAAAAAAAAAAAAAAAA", estimatedAmount: "0.00") { id } }`, memberAdmins},
	{"reviseServiceEstimate", `mutation { reviseServiceEstimate(input: {id: "SRQ01JAAAAAAAAAAAAAAAAAAAA", estimatedMinutes: 0, estimatedAmount: "0.00", reason: "x"}) { id } }`, gsmManagers},
	{"agreeRevisedEstimate", `mutation { agreeRevisedEstimate(id: "SRQ01JAAAAAAAAAAAAAAAAAAAA", estimatedAmount: "0.00") { id } }`, memberAdmins},
	{"recordTime", `mutation { recordTime(input: {serviceRequestId: "SRQ01JAAAAAAAAAAAAAAAAAAAA", staffName: "", workedOn: "2026-01-01", minutes: 0, hourlyRate: "0.00"}) { id } }`, gsmManagers},
	{"completeService", `mutation { completeService(id: "SRQ01JAAAAAAAAAAAAAAAAAAAA") { id } }`, gsmManagers},
	{"cancelService", `mutation { cancelService(id: "SRQ01JAAAAAAAAAAAAAAAAAAAA") { id } }`, join(gsmManagers, memberAdmins)},
	{"establishments", `{ establishments(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"establishmentsAggregate", `{ establishmentsAggregate { count } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"attributeDefinitions", `{ attributeDefinitions(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"attributeValues", `{ attributeValues(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"createEstablishment", `mutation { createEstablishment(input: {}) { id } }`, memberWriters},
	{"updateEstablishment", `mutation { updateEstablishment(id: "ETB01JAAAAAAAAAAAAAAAAAAAA", input: {}) { id } }`, memberWriters},
	{"closeEstablishment", `mutation { closeEstablishment(id: "ETB01JAAAAAAAAAAAAAAAAAAAA", closedOn: "2026-01-01") { id } }`, memberWriters},
	{"defineAttribute", `mutation { defineAttribute(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", key: "", label: "", type: TEXT}) { id } }`, memberAdmins},
	{"importFinessExtract", `mutation { importFinessExtract(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", contentBase64: "!"}) { created } }`, gsmManagers},
	{"processingRecords", `{ processingRecords(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"processingRecordsAggregate", `{ processingRecordsAggregate { count } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"processingRevisions", `{ processingRevisions(first: 1) { totalCount } }`, join([]string{"gsm_admin", "gsm_cil"}, everyMember)},
	{"compareProcessingRevisions", `{ compareProcessingRevisions(recordId: "PRC01JAAAAAAAAAAAAAAAAAAAA", from: 1, to: 2) { field } }`, join([]string{"gsm_cil"}, everyMember)},
	{"breaches", `{ breaches(first: 1) { totalCount } }`, cilReaders},
	{"breachesAggregate", `{ breachesAggregate { count } }`, cilReaders},
	{"subjectRequests", `{ subjectRequests(first: 1) { totalCount } }`, cilReaders},
	{"subjectRequestsAggregate", `{ subjectRequestsAggregate { count } }`, cilReaders},
	{"cilDelegations", `{ cilDelegations(first: 1) { totalCount } }`, cilReaders},
	{"cilTodo", `{ cilTodo { overdueRequests { id } } }`, cilKeepers},
	{"createProcessingRecord", `mutation { createProcessingRecord(input: {role: CONTROLLER, name: ""}) { id } }`, cilKeepers},
	{"createProcessingRecordFromTemplate", `mutation { createProcessingRecordFromTemplate(input: {templateCode: "x"}) { id } }`, cilKeepers},
	{"processingTemplates", `{ processingTemplates { code } }`, cilKeepers},
	{"fulfilSubjectRequest", `mutation { fulfilSubjectRequest(id: "DSR01JAAAAAAAAAAAAAAAAAAAA") { exportPath } }`, cilKeepers},
	{"updateProcessingRecord", `mutation { updateProcessingRecord(id: "PRC01JAAAAAAAAAAAAAAAAAAAA", input: {}) { id } }`, cilKeepers},
	{"archiveProcessingRecord", `mutation { archiveProcessingRecord(id: "PRC01JAAAAAAAAAAAAAAAAAAAA") { id } }`, cilKeepers},
	{"recordBreach", `mutation { recordBreach(input: {detectedAt: "2026-01-01T00:00:00Z", nature: ""}) { id } }`, cilKeepers},
	{"updateBreach", `mutation { updateBreach(id: "BRC01JAAAAAAAAAAAAAAAAAAAA", input: {}) { id } }`, cilKeepers},
	{"logSubjectRequest", `mutation { logSubjectRequest(input: {type: ACCESS, requester: "", receivedOn: "2026-01-01"}) { id } }`, cilKeepers},
	{"extendSubjectRequest", `mutation { extendSubjectRequest(id: "DSR01JAAAAAAAAAAAAAAAAAAAA", reason: "") { id } }`, cilKeepers},
	{"answerSubjectRequest", `mutation { answerSubjectRequest(id: "DSR01JAAAAAAAAAAAAAAAAAAAA", status: ANSWERED, answeredOn: "2026-01-01") { id } }`, cilKeepers},
	{"delegateRegister", `mutation { delegateRegister(memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA") { id } }`, memberAdmins},
	{"revokeRegisterDelegation", `mutation { revokeRegisterDelegation(memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA") { id } }`, memberAdmins},
	{"persons", `{ persons(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"activities", `{ activities(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"activitiesAggregate", `{ activitiesAggregate { count } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"personContacts", `{ personContacts(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"stays", `{ stays(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"needAssessments", `{ needAssessments(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"personalProjects", `{ personalProjects(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"journalNotes", `{ journalNotes(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"consents", `{ consents(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"careAssignments", `{ careAssignments(first: 1) { totalCount } }`, everyMember},
	{"supportAccesses", `{ supportAccesses(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, memberAdmins, []string{"member_cil"})},
	{"accessLogEntries", `{ accessLogEntries(first: 1) { totalCount } }`, []string{"member_cil"}},
	{"serafinCodes", `{ serafinCodes(kind: NEED) { code } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"activityAggregate", `{ activityAggregate(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", from: "2026-01", to: "2026-01", groupBy: []}) { activities } }`, everyMember},
	{"recordRetention", `{ recordRetention(memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA") }`, everyMember},
	{"createPerson", `mutation { createPerson(input: {identity: {lastName: "", firstNames: "", birthDate: "2000-01-01", sex: FEMALE}, stay: {establishmentId: "ETB01JAAAAAAAAAAAAAAAAAAAA", admittedOn: "2026-01-01", receptionType: DAY}}) { id } }`, memberWriters},
	{"updatePerson", `mutation { updatePerson(id: "PRS01JAAAAAAAAAAAAAAAAAAAA", input: {lastName: "", firstNames: "", birthDate: "2000-01-01", sex: FEMALE}) { id } }`, memberWriters},
	{"admitPerson", `mutation { admitPerson(personId: "PRS01JAAAAAAAAAAAAAAAAAAAA", input: {establishmentId: "ETB01JAAAAAAAAAAAAAAAAAAAA", admittedOn: "2026-01-01", receptionType: DAY}) { id } }`, memberWriters},
	{"dischargePerson", `mutation { dischargePerson(stayId: "STY01JAAAAAAAAAAAAAAAAAAAA", dischargedOn: "2026-01-01") { id } }`, memberWriters},
	{"setPersonContacts", `mutation { setPersonContacts(personId: "PRS01JAAAAAAAAAAAAAAAAAAAA", contacts: []) { id } }`, memberWriters},
	{"assessNeed", `mutation { assessNeed(input: {personId: "PRS01JAAAAAAAAAAAAAAAAAAAA", code: "0", assessedOn: "2026-01-01"}) { id } }`, memberWriters},
	{"setPersonalProject", `mutation { setPersonalProject(input: {personId: "PRS01JAAAAAAAAAAAAAAAAAAAA", objectives: [], plannedServices: [], startsOn: "2026-01-01", reviewOn: "2026-01-01"}) { id } }`, memberWriters},
	{"recordActivities", `mutation { recordActivities(input: []) { id } }`, memberWriters},
	{"writeNote", `mutation { writeNote(input: {personId: "PRS01JAAAAAAAAAAAAAAAAAAAA", body: "", confidentiality: TEAM}) { id } }`, memberWriters},
	{"recordConsent", `mutation { recordConsent(input: {personId: "PRS01JAAAAAAAAAAAAAAAAAAAA", purpose: "", given: true, recordedOn: "2026-01-01"}) { id } }`, memberWriters},
	{"assignCare", `mutation { assignCare(input: {accountId: "ACC01JAAAAAAAAAAAAAAAAAAAA", establishmentId: "ETB01JAAAAAAAAAAAAAAAAAAAA", careRole: CARE}) { id } }`, memberAdmins},
	{"unassignCare", `mutation { unassignCare(id: "CAS01JAAAAAAAAAAAAAAAAAAAA") }`, memberAdmins},
	{"grantSupportAccess", `mutation { grantSupportAccess(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", accountId: "ACC01JAAAAAAAAAAAAAAAAAAAA", reason: "", hours: 1}) { id } }`, memberAdmins},
	{"revokeSupportAccess", `mutation { revokeSupportAccess(id: "SPA01JAAAAAAAAAAAAAAAAAAAA") { id } }`, memberAdmins},
	{"setRecordRetention", `mutation { setRecordRetention(memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", years: 0) }`, memberAdmins},
	{"erasePerson", `mutation { erasePerson(id: "PRS01JAAAAAAAAAAAAAAAAAAAA", reason: "") { id } }`, join(memberAdmins, []string{"member_cil"})},
	{"cpomContracts", `{ cpomContracts(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"cpomObjectives", `{ cpomObjectives(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"cpomActions", `{ cpomActions(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"cpomIndicators", `{ cpomIndicators(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"cpomIndicatorYears", `{ cpomIndicatorYears(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"cpomMilestones", `{ cpomMilestones(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"cpomDialogues", `{ cpomDialogues(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"cpomTodo", `{ cpomTodo(memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA") { lateActions { id } } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"createCpomContract", `mutation { createCpomContract(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", authority: "", title: "", startsOn: "2026-01-01", endsOn: "2025-01-01"}) { id } }`, memberWriters},
	{"addCpomObjective", `mutation { addCpomObjective(input: {contractId: "CPC01JAAAAAAAAAAAAAAAAAAAA", code: "", title: ""}) { id } }`, memberWriters},
	{"addCpomAction", `mutation { addCpomAction(input: {objectiveId: "CPO01JAAAAAAAAAAAAAAAAAAAA", title: "", owner: "", dueOn: "2026-01-01"}) { id } }`, memberWriters},
	{"setCpomActionStatus", `mutation { setCpomActionStatus(id: "CPA01JAAAAAAAAAAAAAAAAAAAA", status: DONE) { id } }`, memberWriters},
	{"addCpomIndicator", `mutation { addCpomIndicator(input: {objectiveId: "CPO01JAAAAAAAAAAAAAAAAAAAA", name: "", unit: "", baseline: 0}) { id } }`, memberWriters},
	{"setCpomIndicatorYear", `mutation { setCpomIndicatorYear(input: {indicatorId: "CPI01JAAAAAAAAAAAAAAAAAAAA", year: 2026}) { id } }`, memberWriters},
	{"addCpomMilestone", `mutation { addCpomMilestone(input: {contractId: "CPC01JAAAAAAAAAAAAAAAAAAAA", title: "", dueOn: "2026-01-01"}) { id } }`, memberWriters},
	{"reachCpomMilestone", `mutation { reachCpomMilestone(id: "CPM01JAAAAAAAAAAAAAAAAAAAA") { id } }`, memberWriters},
	{"recordCpomDialogue", `mutation { recordCpomDialogue(input: {contractId: "CPC01JAAAAAAAAAAAAAAAAAAAA", year: 2026, heldOn: "2026-01-01", participants: [], decisions: ""}) { id } }`, memberWriters},
	{"grantCpomSupportAccess", `mutation { grantCpomSupportAccess(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", accountId: "ACC01JAAAAAAAAAAAAAAAAAAAA", reason: "", hours: 1}) { id } }`, memberAdmins},
	{"revokeCpomSupportAccess", `mutation { revokeCpomSupportAccess(id: "SPA01JAAAAAAAAAAAAAAAAAAAA") { id } }`, memberAdmins},
	{"setMembershipFee", `mutation { setMembershipFee(input: {year: 1999, amount: "1.00"}) { id } }`, []string{"gsm_admin"}},
	{"remindDeclarationsDue", `mutation { remindDeclarationsDue(input: {year: 1999}) { reminded } }`, gsmManagers},
	{"onboarding", `{ onboarding(memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA") { steps { key } } }`, join(gsmManagers, everyMember)},
	{"updateMember", `mutation { updateMember(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA"}) { change { id } } }`, join(gsmManagers, memberAdmins)},
	{"reviewVatShare", `mutation { reviewVatShare(input: {changeId: "MPC01JAAAAAAAAAAAAAAAAAAAA", accept: false, comment: "x"}) { id } }`, gsmManagers},
	{"memberProfileChanges", `{ memberProfileChanges(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"recordPayment", `mutation { recordPayment(input: {memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA", amount: "0.00", receivedOn: "2026-01-01", means: CHEQUE}) { id } }`, gsmManagers},
	{"reversePayment", `mutation { reversePayment(input: {paymentId: "PAY01JAAAAAAAAAAAAAAAAAAAA", reason: ""}) { id } }`, gsmManagers},
	{"payments", `{ payments(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"paymentsAggregate", `{ paymentsAggregate { count } }`, join(gsmManagers, everyMember)},
	{"paymentAllocations", `{ paymentAllocations(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"accountStatement", `{ accountStatement(memberId: "MBR01JAAAAAAAAAAAAAAAAAAAA") { balance } }`, join(gsmManagers, everyMember)},
	{"importBankStatement", `mutation { importBankStatement(input: {contentBase64: ""}) { matched } }`, gsmManagers},
	{"accountingJournal", `{ accountingJournal(year: 2026) { balanced } }`, gsmManagers},
	{"paymentReminders", `{ paymentReminders(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"memberDocuments", `{ memberDocuments(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"deleteMemberDocument", `mutation { deleteMemberDocument(id: "DOC01JAAAAAAAAAAAAAAAAAAAA") }`, join(gsmManagers, memberAdmins)},
	{"trainingCourses", `{ trainingCourses(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"trainingSessions", `{ trainingSessions(first: 1) { totalCount } }`, join(gsmManagers, []string{"gsm_cil"}, everyMember)},
	{"trainees", `{ trainees(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"trainingEnrolments", `{ trainingEnrolments(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"trainingEnrolmentsAggregate", `{ trainingEnrolmentsAggregate { count } }`, join(gsmManagers, everyMember)},
	{"trainingAttendances", `{ trainingAttendances(first: 1) { totalCount } }`, join(gsmManagers, everyMember)},
	{"trainingAttendancesAggregate", `{ trainingAttendancesAggregate { count } }`, join(gsmManagers, everyMember)},
	{"trainingReport", `{ trainingReport(year: 1999) { hours } }`, gsmManagers},
	{"createTrainingCourse", `mutation { createTrainingCourse(input: {title: "", durationHours: 0, modality: REMOTE}) { id } }`, gsmManagers},
	{"scheduleTrainingSession", `mutation { scheduleTrainingSession(input: {courseId: "TRC01JAAAAAAAAAAAAAAAAAAAA", startsOn: "2026-01-01", endsOn: "2026-01-01", capacity: 0}) { id } }`, gsmManagers},
	{"cancelTrainingSession", `mutation { cancelTrainingSession(id: "TRS01JAAAAAAAAAAAAAAAAAAAA") { id } }`, gsmManagers},
	{"enrolTrainee", `mutation { enrolTrainee(input: {sessionId: "TRS01JAAAAAAAAAAAAAAAAAAAA"}) { id } }`, join(gsmManagers, memberWriters)},
	{"cancelTrainingEnrolment", `mutation { cancelTrainingEnrolment(id: "ENR01JAAAAAAAAAAAAAAAAAAAA") { id } }`, join(gsmManagers, memberWriters)},
	{"recordTrainingAttendance", `mutation { recordTrainingAttendance(input: {enrolmentId: "ENR01JAAAAAAAAAAAAAAAAAAAA", day: "2026-01-01", halfDay: MORNING, hours: 0}) { id } }`, gsmManagers},
	// Last: it ends the viewer's session.
	{"logout", `mutation { logout { ok } }`, authenticated},
}

func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	clients := map[string]*testServer{}
	for name, email := range matrixViewers {
		clients[name] = s
		if email != "" {
			clients[name] = s.as(t, email)
		}
	}
	for _, row := range permissionMatrix {
		for name, client := range clients {
			resp := client.query(t, row.operation, nil)
			refused := len(resp.Errors) > 0 && isAuthorizationRefusal(resp.Errors[0].Message)
			if allowed := slices.Contains(row.allowed, name); allowed == refused {
				t.Errorf("%s as %s: allowed=%v, but the answer was %+v", row.field, name, allowed, resp.Errors)
			}
			if resp.code() == "INTERNAL" {
				t.Errorf("%s as %s: %+v", row.field, name, resp.Errors)
			}
			if refused && resp.code() != map[bool]string{true: "UNAUTHENTICATED", false: "FORBIDDEN"}[name == "anonymous"] {
				t.Errorf("%s as %s: refused with code %s", row.field, name, resp.code())
			}
		}
	}
}

// documentRouteMatrix is the permission matrix of the routes of the
// documents of membership, for a document of member A (Les Tilleuls de
// l'Yonne): the status each viewer gets uploading one for A and
// downloading A's. Other members' people are told A's are not found.
var documentRouteMatrix = map[string]struct{ upload, download int }{
	"anonymous":     {http.StatusUnauthorized, http.StatusUnauthorized},
	"gsm_admin":     {http.StatusCreated, http.StatusOK},
	"gsm_staff":     {http.StatusCreated, http.StatusOK},
	"gsm_cil":       {http.StatusForbidden, http.StatusForbidden},
	"member_admin":  {http.StatusCreated, http.StatusOK},
	"member_staff":  {http.StatusForbidden, http.StatusOK},
	"member_cil":    {http.StatusForbidden, http.StatusOK},
	"member_viewer": {http.StatusForbidden, http.StatusOK},
	"founder_admin": {http.StatusNotFound, http.StatusNotFound},
	"user_admin":    {http.StatusNotFound, http.StatusNotFound},
}

func TestDocumentRoutesMatrix(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	a := memberIDOf(t, s, leakA)
	doc := mustUpload(t, s.as(t, "admin@tilleuls-yonne.example"), a, "CONVENTION", "convention.pdf", samplePDF)
	for name, email := range matrixViewers {
		want, ok := documentRouteMatrix[name]
		if !ok {
			t.Fatalf("%s is missing from documentRouteMatrix", name)
		}
		client := &testServer{url: s.url}
		if email != "" {
			client = s.as(t, email)
		}
		if status, body := upload(t, client, a, "OTHER", "annexe.pdf", samplePDF); status != want.upload {
			t.Errorf("upload as %s: %d %s, want %d", name, status, body, want.upload)
		}
		if resp, body := getDocument(t, client, doc.DownloadPath); resp.StatusCode != want.download {
			t.Errorf("download as %s: %d %s, want %d", name, resp.StatusCode, body, want.download)
		}
	}
}

// isAuthorizationRefusal recognises the refusals of the root-field check
// (graph/authz.go), as opposed to the field's own errors.
func isAuthorizationRefusal(message string) bool {
	return strings.HasPrefix(message, "log in to use ") || strings.HasPrefix(message, "your roles do not allow ")
}

// TestMatrixCoversTheSchema keeps the table complete: every root field of
// the schema appears in it.
func TestMatrixCoversTheSchema(t *testing.T) {
	t.Parallel()
	s := newTestServer(t).as(t, "admin@communs.example")
	var schema struct {
		Schema struct {
			QueryType    struct{ Fields []struct{ Name string } }
			MutationType struct{ Fields []struct{ Name string } }
		} `json:"__schema"`
	}
	s.data(t, `{ __schema { queryType { fields { name } } mutationType { fields { name } } } }`, nil, &schema)
	covered := map[string]bool{}
	for _, row := range permissionMatrix {
		covered[row.field] = true
	}
	for _, f := range append(schema.Schema.QueryType.Fields, schema.Schema.MutationType.Fields...) {
		if !covered[f.Name] {
			t.Errorf("root field %s is missing from permissionMatrix", f.Name)
		}
	}
}

func TestLoginThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	const login = `mutation($p: String!) { login(input: {email: "staff@communs.example", password: $p}) { token account { email roleAssignments { role } } } }`
	for i := 0; i < 5; i++ {
		if code := s.query(t, login, map[string]any{"p": "a wrong password"}).code(); code != "UNAUTHENTICATED" {
			t.Fatalf("wrong password %d: code %s", i, code)
		}
	}
	if code := s.query(t, login, map[string]any{"p": "communs-demo-2026"}).code(); code != "RATE_LIMITED" {
		t.Fatalf("after a burst of wrong passwords: code %s, want RATE_LIMITED", code)
	}
	// Another account logs in, reading its roles in the same answer.
	var in struct {
		Login struct {
			Account struct {
				RoleAssignments []struct{ Role string }
			}
		}
	}
	s.data(t, `mutation { login(input: {email: "admin@tilleuls-yonne.example", password: "communs-demo-2026"}) { token account { roleAssignments { role } } } }`, nil, &in)
	if roles := in.Login.Account.RoleAssignments; len(roles) != 1 || roles[0].Role != "member_admin" {
		t.Errorf("roles in the login answer: %+v", roles)
	}
	// A forged token is refused before any field runs.
	forged := &testServer{url: s.url, token: "forged"}
	if code := forged.query(t, `{ me { email } }`, nil).code(); code != "UNAUTHENTICATED" {
		t.Errorf("forged token: code %s", code)
	}
	// Logging out revokes the token.
	staff := s.as(t, "admin@communs.example")
	staff.data(t, `mutation { logout { ok } }`, nil, &struct{}{})
	if code := staff.query(t, `{ me { email } }`, nil).code(); code != "UNAUTHENTICATED" {
		t.Errorf("revoked token: code %s", code)
	}
}

func TestEdgeFlagsSeeOnlyVisibleRows(t *testing.T) {
	t.Parallel()
	s := newTestServer(t).as(t, "admin@abri-montagnard.example") // a USER member with one subscription
	var got struct {
		Flag, With, Without struct{ TotalCount int }
	}
	s.data(t, `{
		flag: resources(first: 1, where: {hasSubscriptions: true}) { totalCount }
		with: resources(first: 1, where: {hasSubscriptionsWith: {}}) { totalCount }
		without: resources(first: 1, where: {hasSubscriptions: false}) { totalCount } }`, nil, &got)
	if got.Flag.TotalCount != got.With.TotalCount || got.Flag.TotalCount > 2 {
		t.Errorf("hasSubscriptions: true counts %d resources, hasSubscriptionsWith {} %d: other members' subscriptions show",
			got.Flag.TotalCount, got.With.TotalCount)
	}
	if got.Flag.TotalCount+got.Without.TotalCount != 14 {
		t.Errorf("with %d + without %d resources ≠ the 14 of the catalogue", got.Flag.TotalCount, got.Without.TotalCount)
	}
}
