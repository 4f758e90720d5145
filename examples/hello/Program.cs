// The sample app: answers on / with a greeting and the revision it was built from.
var app = WebApplication.CreateSlimBuilder(args).Build();
var revision = Environment.GetEnvironmentVariable("APP_REVISION") ?? "dev";
app.MapGet("/", () => $"hello from {revision}\n");
app.MapGet("/healthz", () => "ok");
app.Run();
