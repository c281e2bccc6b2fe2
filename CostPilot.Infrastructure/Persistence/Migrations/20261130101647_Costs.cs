using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CostPilot.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Costs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_instances_account_id_instance_type",
                table: "instances");

            migrationBuilder.AddColumn<decimal>(
                name: "monthly_usd",
                table: "volumes",
                type: "numeric(14,2)",
                precision: 14,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "hourly_usd",
                table: "instances",
                type: "numeric(14,6)",
                precision: 14,
                scale: 6,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "monthly_usd",
                table: "instances",
                type: "numeric(14,2)",
                precision: 14,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "price_source",
                table: "instances",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tenancy",
                table: "instances",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "default");

            migrationBuilder.AddColumn<decimal>(
                name: "monthly_usd",
                table: "addresses",
                type: "numeric(14,2)",
                precision: 14,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "name_tag",
                table: "volumes",
                type: "text",
                nullable: true,
                computedColumnSql: "tags ->> 'Name'",
                stored: true);

            migrationBuilder.AddColumn<string>(
                name: "tags_text",
                table: "volumes",
                type: "text",
                nullable: true,
                computedColumnSql: "tags::text",
                stored: true);

            migrationBuilder.AddColumn<string>(
                name: "instance_family",
                table: "instances",
                type: "text",
                nullable: true,
                computedColumnSql: "split_part(instance_type, '.', 1)",
                stored: true);

            migrationBuilder.AddColumn<string>(
                name: "name_tag",
                table: "addresses",
                type: "text",
                nullable: true,
                computedColumnSql: "tags ->> 'Name'",
                stored: true);

            migrationBuilder.AddColumn<string>(
                name: "tags_text",
                table: "addresses",
                type: "text",
                nullable: true,
                computedColumnSql: "tags::text",
                stored: true);

            migrationBuilder.CreateTable(
                name: "cost_snapshots",
                columns: table => new
                {
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    compute_usd = table.Column<decimal>(type: "numeric(16,2)", precision: 16, scale: 2, nullable: false),
                    storage_usd = table.Column<decimal>(type: "numeric(16,2)", precision: 16, scale: 2, nullable: false),
                    address_usd = table.Column<decimal>(type: "numeric(16,2)", precision: 16, scale: 2, nullable: false),
                    unknown_prices = table.Column<int>(type: "integer", nullable: false),
                    computed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_cost_snapshots", x => new { x.account_id, x.day });
                    table.ForeignKey(
                        name: "fk_cost_snapshots_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "price_catalogs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    source = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    retrieved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    compute_prices = table.Column<int>(type: "integer", nullable: false),
                    regions = table.Column<int>(type: "integer", nullable: false),
                    data = table.Column<byte[]>(type: "bytea", nullable: false),
                    stored_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_price_catalogs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "price_refreshes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    succeeded = table.Column<bool>(type: "boolean", nullable: true),
                    message = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    requested_by = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_price_refreshes", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_instances_account_id_instance_family",
                table: "instances",
                columns: new[] { "account_id", "instance_family" });

            migrationBuilder.CreateIndex(
                name: "ix_price_catalogs_stored_at",
                table: "price_catalogs",
                column: "stored_at");

            migrationBuilder.CreateIndex(
                name: "ix_price_refreshes_started_at",
                table: "price_refreshes",
                column: "started_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "cost_snapshots");

            migrationBuilder.DropTable(
                name: "price_catalogs");

            migrationBuilder.DropTable(
                name: "price_refreshes");

            migrationBuilder.DropIndex(
                name: "ix_instances_account_id_instance_family",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "name_tag",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "tags_text",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "instance_family",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "name_tag",
                table: "addresses");

            migrationBuilder.DropColumn(
                name: "tags_text",
                table: "addresses");

            migrationBuilder.DropColumn(
                name: "monthly_usd",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "hourly_usd",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "monthly_usd",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "price_source",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "tenancy",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "monthly_usd",
                table: "addresses");

            migrationBuilder.CreateIndex(
                name: "ix_instances_account_id_instance_type",
                table: "instances",
                columns: new[] { "account_id", "instance_type" });
        }
    }
}
