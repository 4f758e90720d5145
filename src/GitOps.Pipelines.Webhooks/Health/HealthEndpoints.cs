using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace GitOps.Pipelines.Webhooks.Health;

/// <summary>The liveness route: <c>GET /healthz</c> answers 200 <c>ok</c>.</summary>
public static class HealthEndpoints
{
    /// <summary>Maps <c>/healthz</c>.</summary>
    public static RouteGroupBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/healthz").WithTags("Health");
        group.MapGet("/", Alive);
        return group;
    }

    private static ContentHttpResult Alive() => TypedResults.Text("ok");
}
