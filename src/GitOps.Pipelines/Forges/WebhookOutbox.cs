using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace GitOps.Pipelines.Forges;

/// <summary>The result of delivering one webhook.</summary>
public sealed record DeliveryResult(string Id, string Event, int? StatusCode, bool Delivered, string? Error);

/// <summary>
/// Webhooks the local forge emits, kept on disk until a receiver answers 2xx, so none is dropped: a merge
/// writes its delivery here first, then it is sent (signed with <c>X-Hub-Signature-256</c>, as GitHub signs).
/// Delivered ones move to <c>delivered/</c>.
/// </summary>
public sealed class WebhookOutbox(string directory)
{
    /// <summary>The outbox folder.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    private string PendingDir => Path.Combine(Directory, "pending");
    private string DeliveredDir => Path.Combine(Directory, "delivered");

    /// <summary>Queues a delivery; returns its id (the X-GitHub-Delivery value).</summary>
    public string Enqueue(string eventName, string body)
    {
        System.IO.Directory.CreateDirectory(PendingDir);
        var id = Guid.NewGuid().ToString();
        var delivery = new OutboxDelivery(id, eventName, body, DateTimeOffset.UtcNow, 0, null);
        WriteAtomic(Path.Combine(PendingDir, $"{delivery.CreatedAt:yyyyMMddHHmmssfff}-{id}.json"), delivery);
        return id;
    }

    /// <summary>Number of deliveries not yet acknowledged.</summary>
    public int PendingCount => System.IO.Directory.Exists(PendingDir) ? System.IO.Directory.GetFiles(PendingDir, "*.json").Length : 0;

    /// <summary>Sends every pending delivery, oldest first, to <paramref name="url"/> signed with <paramref name="secret"/>.</summary>
    public async Task<IReadOnlyList<DeliveryResult>> DeliverPendingAsync(Uri url, string secret, HttpClient http,
        CancellationToken cancellationToken = default)
    {
        if (!System.IO.Directory.Exists(PendingDir)) return [];
        var results = new List<DeliveryResult>();
        foreach (var file in System.IO.Directory.GetFiles(PendingDir, "*.json").Order(StringComparer.Ordinal))
        {
            var d = JsonSerializer.Deserialize(File.ReadAllBytes(file), LocalForgeJson.Default.OutboxDelivery)!;
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(d.Body, Encoding.UTF8, "application/json"),
            };
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("GitHub-Hookshot", "gitops-local"));
            request.Headers.Add("X-GitHub-Event", d.Event);
            request.Headers.Add("X-GitHub-Delivery", d.Id);
            request.Headers.Add("X-Hub-Signature-256", Sign(secret, d.Body));
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                var code = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    System.IO.Directory.CreateDirectory(DeliveredDir);
                    File.Move(file, Path.Combine(DeliveredDir, Path.GetFileName(file)), overwrite: true);
                    results.Add(new DeliveryResult(d.Id, d.Event, code, true, null));
                }
                else
                {
                    var why = $"{url} answered {code} {response.ReasonPhrase}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
                    WriteAtomic(file, d with { Attempts = d.Attempts + 1, LastError = why });
                    results.Add(new DeliveryResult(d.Id, d.Event, code, false, why));
                }
            }
            catch (HttpRequestException e)
            {
                var why = $"{url}: {e.Message}";
                WriteAtomic(file, d with { Attempts = d.Attempts + 1, LastError = why });
                results.Add(new DeliveryResult(d.Id, d.Event, null, false, why));
            }
        }
        return results;
    }

    /// <summary>The <c>X-Hub-Signature-256</c> value for a body: <c>sha256=</c> and the lowercase hex HMAC.</summary>
    public static string Sign(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    private static void WriteAtomic(string path, OutboxDelivery d)
    {
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(d, LocalForgeJson.Default.OutboxDelivery));
        File.Move(tmp, path, overwrite: true);
    }
}
