using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CostPilot.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Utilization : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "state_changed_at",
                table: "instances",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "instance_findings",
                columns: table => new
                {
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    region = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    instance_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    message = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_instance_findings", x => new { x.account_id, x.region, x.instance_id });
                    table.ForeignKey(
                        name: "fk_instance_findings_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "instance_utilization",
                columns: table => new
                {
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    region = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    instance_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    window_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    cpu_average = table.Column<float[]>(type: "real[]", nullable: false),
                    cpu_maximum = table.Column<float[]>(type: "real[]", nullable: false),
                    network_in = table.Column<float[]>(type: "real[]", nullable: false),
                    network_out = table.Column<float[]>(type: "real[]", nullable: false),
                    hourly_points = table.Column<int>(type: "integer", nullable: false),
                    cpu_p95 = table.Column<double>(type: "double precision", nullable: true),
                    cpu_max = table.Column<double>(type: "double precision", nullable: true),
                    network_bytes_per_day = table.Column<double>(type: "double precision", nullable: true),
                    collected_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_instance_utilization", x => new { x.account_id, x.region, x.instance_id });
                    table.ForeignKey(
                        name: "fk_instance_utilization_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "recommendations",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    resource = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    resource_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    region = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    current = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    proposed = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    monthly_cost_before = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: true),
                    monthly_cost_after = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: true),
                    monthly_saving = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: true),
                    risk = table.Column<short>(type: "smallint", nullable: false),
                    reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_recommendations", x => x.id);
                    table.ForeignKey(
                        name: "fk_recommendations_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "utilization_runs",
                columns: table => new
                {
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    message = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    collected_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    instances_asked = table.Column<int>(type: "integer", nullable: false),
                    instances_with_data = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_utilization_runs", x => x.account_id);
                    table.ForeignKey(
                        name: "fk_utilization_runs_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_recommendations_account_id_monthly_saving",
                table: "recommendations",
                columns: new[] { "account_id", "monthly_saving" });

            migrationBuilder.CreateIndex(
                name: "ix_recommendations_account_id_resource_id",
                table: "recommendations",
                columns: new[] { "account_id", "resource_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "instance_findings");

            migrationBuilder.DropTable(
                name: "instance_utilization");

            migrationBuilder.DropTable(
                name: "recommendations");

            migrationBuilder.DropTable(
                name: "utilization_runs");

            migrationBuilder.DropColumn(
                name: "state_changed_at",
                table: "instances");
        }
    }
}
