using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostPilot.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Experiments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_downtime_logs_experiment_logs_experiment_id",
                table: "downtime_logs");

            migrationBuilder.DropIndex(
                name: "ix_experiment_logs_status",
                table: "experiment_logs");

            migrationBuilder.RenameColumn(
                name: "from_instance_type",
                table: "experiment_logs",
                newName: "from_type");

            migrationBuilder.RenameColumn(
                name: "to_instance_type",
                table: "experiment_logs",
                newName: "to_type");

            migrationBuilder.RenameColumn(
                name: "status",
                table: "experiment_logs",
                newName: "state");

            // "action" (free text, never written by a released version) becomes "kind"; the region is new.
            migrationBuilder.RenameColumn(
                name: "action",
                table: "experiment_logs",
                newName: "kind");

            migrationBuilder.AddColumn<string>(
                name: "region",
                table: "experiment_logs",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            // States were stored as enum names; they are slugs now.
            migrationBuilder.Sql("""
                UPDATE experiment_logs SET state = CASE state WHEN 'RolledBack' THEN 'rolled-back' WHEN 'Running' THEN 'failed'
                                                              ELSE lower(state) END;
                UPDATE experiment_logs SET from_type = '' WHERE from_type IS NULL;
                """);

            migrationBuilder.AlterColumn<string>(
                name: "from_type",
                table: "experiment_logs",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(32)",
                oldMaxLength: 32,
                oldNullable: true);

            migrationBuilder.AddColumn<int>(
                name: "attempts",
                table: "experiment_logs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<TimeSpan>(
                name: "expected_downtime",
                table: "experiment_logs",
                type: "interval",
                nullable: false,
                defaultValue: new TimeSpan(0, 0, 0, 0, 0));

            migrationBuilder.AddColumn<string>(
                name: "instance_name",
                table: "experiment_logs",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "requested_by_name",
                table: "experiment_logs",
                type: "character varying(256)",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "steps",
                table: "experiment_logs",
                type: "jsonb",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<int>(
                name: "seconds",
                table: "downtime_logs",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "sandbox_instances",
                columns: table => new
                {
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    instance_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    region = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    instance_type = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    state_since = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    next_state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    next_state_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    checks_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    checks_impaired = table.Column<bool>(type: "boolean", nullable: false),
                    original_type_tag = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sandbox_instances", x => new { x.account_id, x.instance_id });
                    table.ForeignKey(
                        name: "fk_sandbox_instances_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_experiment_logs_requested_by_created_at",
                table: "experiment_logs",
                columns: new[] { "requested_by", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_experiment_logs_one_per_instance",
                table: "experiment_logs",
                columns: new[] { "account_id", "instance_id" },
                unique: true,
                filter: "state IN ('planned', 'checking', 'stopping', 'modifying', 'starting', 'verifying', 'rolling-back')");

            migrationBuilder.AddForeignKey(
                name: "fk_downtime_logs_experiments_experiment_id",
                table: "downtime_logs",
                column: "experiment_id",
                principalTable: "experiment_logs",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_downtime_logs_experiments_experiment_id",
                table: "downtime_logs");

            migrationBuilder.DropTable(
                name: "sandbox_instances");

            migrationBuilder.DropIndex(
                name: "ix_experiment_logs_requested_by_created_at",
                table: "experiment_logs");

            migrationBuilder.DropIndex(
                name: "ux_experiment_logs_one_per_instance",
                table: "experiment_logs");

            migrationBuilder.DropColumn(
                name: "attempts",
                table: "experiment_logs");

            migrationBuilder.DropColumn(
                name: "expected_downtime",
                table: "experiment_logs");

            migrationBuilder.AlterColumn<string>(
                name: "from_type",
                table: "experiment_logs",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(32)",
                oldMaxLength: 32);

            migrationBuilder.RenameColumn(
                name: "from_type",
                table: "experiment_logs",
                newName: "from_instance_type");

            migrationBuilder.DropColumn(
                name: "instance_name",
                table: "experiment_logs");

            migrationBuilder.DropColumn(
                name: "region",
                table: "experiment_logs");

            migrationBuilder.RenameColumn(
                name: "kind",
                table: "experiment_logs",
                newName: "action");

            migrationBuilder.DropColumn(
                name: "requested_by_name",
                table: "experiment_logs");

            migrationBuilder.DropColumn(
                name: "steps",
                table: "experiment_logs");

            migrationBuilder.DropColumn(
                name: "seconds",
                table: "downtime_logs");

            migrationBuilder.RenameColumn(
                name: "to_type",
                table: "experiment_logs",
                newName: "to_instance_type");

            migrationBuilder.RenameColumn(
                name: "state",
                table: "experiment_logs",
                newName: "status");


            migrationBuilder.CreateIndex(
                name: "ix_experiment_logs_status",
                table: "experiment_logs",
                column: "status");

            migrationBuilder.AddForeignKey(
                name: "fk_downtime_logs_experiment_logs_experiment_id",
                table: "downtime_logs",
                column: "experiment_id",
                principalTable: "experiment_logs",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);
        }
    }
}
