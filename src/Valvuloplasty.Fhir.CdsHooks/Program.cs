using Valvuloplasty.Fhir.CdsHooks.Endpoints;
using Valvuloplasty.Fhir.CdsHooks.Hosting;
using Valvuloplasty.Fhir.CdsHooks.Sandbox;
using Valvuloplasty.Fhir.CdsHooks.Security;
using Valvuloplasty.Fhir.CdsHooks.Smart;
using Valvuloplasty.Fhir.Data;

// Valvuloplasty.Fhir: a CDS Hooks 2.0 service for balloon valvuloplasty decision support.
var builder = WebApplication.CreateBuilder(args);

builder.Services.AddProfileTerminology(builder.Configuration);   // profiles/ → ValueSetIndex, prefetch templates, mapping
builder.Services.AddFhirDataAccess(builder.Configuration);       // FHIR server fallback: allow-list, resilience per authority
builder.Services.AddFeedbackStore(builder.Configuration);        // SQLite by default, PostgreSQL when configured
builder.Services.AddCdsHooks(builder.Configuration);             // protocol limits, rules options, cards, health
builder.Services.AddCdsHooksSecurity(builder.Configuration, builder.Environment); // EHR JWTs, CORS, per-issuer limit
builder.Services.AddSandbox(builder.Configuration);              // testing page + example FHIR endpoint (Development)
builder.Services.AddSmartApp(builder.Configuration, builder.Environment); // the SMART app's files and its assessment endpoint
builder.Services.AddCdsHooksTelemetry(builder.Configuration);     // hook metrics; traces and metrics over OTLP when an endpoint is configured

var app = builder.Build();

app.UseCdsHooksErrors();
app.UseCdsHooksSecurity();
app.MapCdsHooks();
app.MapAnalytics();
app.MapWorklist();
app.MapHealth();
app.MapSandbox();
app.MapSmartApp();

app.Run();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
