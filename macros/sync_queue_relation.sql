{#- The queue table `enqueue` writes to: `<state schema>.sync_queue` in the target's database. -#}
{% macro sync_queue_relation() %}
  {{ return(api.Relation.create(
      database=target.database,
      schema=var('spoke_state_schema', 'spoke'),
      identifier='sync_queue',
      type='table'
  )) }}
{% endmacro %}
