package main

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"communs/internal/seed"
)

// browser returns a headless Chromium driven by chromedp, or skips the test
// saying why. Every request the pages make is recorded in requests.
func browser(t *testing.T) (ctx context.Context, requests func() []string) {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("no Chromium on this machine (apt-get install chromium): the dashboard is not tested in a browser")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900))
	allocator, cancelAllocator := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocator)
	ctx, timeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { timeout(); cancel(); cancelAllocator() })

	var mu sync.Mutex
	var urls []string
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			urls = append(urls, e.Request.URL)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string{}, urls...) }
}

// dashboardTable is a view's table as the page shows it: its rows' cells by
// column, by row key.
type dashboardTable map[string]map[string]string

var viewIDs = []string{"membership", "resources", "charges", "declarations", "requests"}

// readDashboard logs in as email on the dashboard and returns the tables
// of its views (and the text of views it may not read).
func readDashboard(t *testing.T, ctx context.Context, url, email string) map[string]dashboardTable {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(url + "/dashboard"),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), seed.DemoPassword),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)),
	}
	for _, id := range viewIDs {
		steps = append(steps, chromedp.WaitReady(chromedp.CSS("#"+id+"[data-ready]")))
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("the dashboard as %s: %v", email, err)
	}
	tables, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]dashboardTable](`Object.fromEntries(
		[...document.querySelectorAll('#views section')].map((s) => [s.id,
			Object.fromEntries([...s.querySelectorAll('tbody tr')].map((r) => [r.dataset.key,
				Object.fromEntries([...r.querySelectorAll('td')].map((c) => [c.dataset.col, c.textContent]))]))]))`))
	if err != nil {
		t.Fatalf("reading the dashboard as %s: %v", email, err)
	}
	return tables
}

// french reads a number as the page writes it ("12 345,67 €") into the
// API's decimal form ("12345.67").
func french(s string) string {
	return strings.NewReplacer("\u202f", "", "\u00a0", "", " ", "", "€", "", ",", ".").Replace(s)
}

// The dashboard, in a real browser: logging in, then every view shows the
// numbers the API gives; a view the role may not read says so; the page
// and GraphiQL load nothing from another site.
func TestDashboardInABrowser(t *testing.T) {
	t.Parallel()
	ctx, requests := browser(t)
	s := newTestServer(t)
	runChargeCycle(t, s)
	staff := s.as(t, gsmStaff)

	shown := readDashboard(t, ctx, s.url, gsmStaff)
	year := time.Now().Year()
	var api struct {
		ResourceYears []struct {
			Resource                                  struct{ ID string }
			Budgeted, Actual, Difference, CostPerUnit string
			DeclaredQuantity                          int64
		}
		ChargesByMemberCategory []struct {
			Quarter  int
			Category string
			Amount   string
			Members  int
		}
		UsageDeclarationsAggregate []struct {
			Keys  struct{ Status string }
			Count int
		}
		MembershipByCategory []struct {
			Date                         string
			Founder, Active, User, Total int
		}
	}
	staff.data(t, `query($year: Int!) {
		resourceYears(fromYear: $year, toYear: $year) { resource { id } budgeted actual difference declaredQuantity costPerUnit }
		chargesByMemberCategory(year: $year) { quarter category amount members }
		usageDeclarationsAggregate(where: {year: $year}, groupBy: [STATUS]) { keys { status } count }
		membershipByCategory(from: "2015-01-01", to: "2015-01-01") { date founder active user total } }`,
		map[string]any{"year": year}, &api)

	expect := func(view, key, col, want string) {
		t.Helper()
		if got := french(shown[view][key][col]); got != want {
			t.Errorf("%s %s %s: the page shows %q, the API %q", view, key, col, shown[view][key][col], want)
		}
	}
	if len(shown["resources"]) != len(api.ResourceYears) || len(api.ResourceYears) == 0 {
		t.Errorf("resources: %d rows shown, %d in the API", len(shown["resources"]), len(api.ResourceYears))
	}
	for _, r := range api.ResourceYears {
		expect("resources", r.Resource.ID, "budgeted", r.Budgeted)
		expect("resources", r.Resource.ID, "actual", r.Actual)
		expect("resources", r.Resource.ID, "difference", r.Difference)
		expect("resources", r.Resource.ID, "declared", strconv.Itoa(int(r.DeclaredQuantity)))
		expect("resources", r.Resource.ID, "perUnit", r.CostPerUnit)
	}
	if len(shown["charges"]) != len(api.ChargesByMemberCategory) || len(api.ChargesByMemberCategory) == 0 {
		t.Errorf("charges: %d rows shown, %d in the API", len(shown["charges"]), len(api.ChargesByMemberCategory))
	}
	for _, c := range api.ChargesByMemberCategory {
		key := strconv.Itoa(c.Quarter) + "-" + c.Category
		expect("charges", key, "amount", c.Amount)
		expect("charges", key, "members", strconv.Itoa(c.Members))
	}
	for _, d := range api.UsageDeclarationsAggregate {
		expect("declarations", d.Keys.Status, "count", strconv.Itoa(d.Count))
	}
	first := api.MembershipByCategory[0]
	for col, want := range map[string]int{"founder": first.Founder, "active": first.Active, "user": first.User, "total": first.Total} {
		expect("membership", "2015-01-01", col, strconv.Itoa(want))
	}
	if text := shown["requests"]; len(text) != 0 {
		t.Errorf("the groupement's staff reads the CIL's requests: %v", text)
	}
	screenshot(t, ctx)

	// The CIL: the overdue requests, not the costs.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login"))); err != nil {
		t.Fatalf("logging out: %v", err)
	}
	cil := readDashboard(t, ctx, s.url, "cil@communs.example")
	var overdue struct {
		SubjectRequestsAggregate []struct {
			Keys  struct{ Member *struct{ ID string } }
			Count int
		}
	}
	s.as(t, "cil@communs.example").data(t, `query($today: Date!) { subjectRequestsAggregate(
		where: {dueOnLT: $today, statusIn: [RECEIVED, IN_PROGRESS]}, groupBy: [MEMBER]) { keys { member { id } } count } }`,
		map[string]any{"today": time.Now().Format(time.DateOnly)}, &overdue)
	if len(cil["requests"]) != len(overdue.SubjectRequestsAggregate) {
		t.Errorf("overdue requests: %d registers shown, %d in the API", len(cil["requests"]), len(overdue.SubjectRequestsAggregate))
	}
	for _, r := range overdue.SubjectRequestsAggregate {
		key := "gsm"
		if r.Keys.Member != nil {
			key = r.Keys.Member.ID
		}
		if got := french(cil["requests"][key]["count"]); got != strconv.Itoa(r.Count) {
			t.Errorf("overdue requests of %s: shown %q, API %d", key, got, r.Count)
		}
	}
	denied, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#resources .denied")))
	if err != nil || !strings.Contains(denied, "pas accès") {
		t.Errorf("the CIL's costs view says %q, want that the role has no access", denied)
	}

	// GraphiQL starts too; nothing was loaded from another site.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.CSS(".graphiql-container"))); err != nil {
		t.Errorf("GraphiQL does not start: %v", err)
	}
	for _, u := range requests() {
		if !strings.HasPrefix(u, s.url+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("a page loads %s: it would fail offline", u)
		}
	}
}

// screenshot saves the dashboard as a PNG where COMMUNS_DASHBOARD_SCREENSHOT
// says (the README's picture comes from here).
func screenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	path := os.Getenv("COMMUNS_DASHBOARD_SCREENSHOT")
	if path == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
